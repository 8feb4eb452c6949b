return FreesoundTagging.Predict.PredictCommand.Run(args);
