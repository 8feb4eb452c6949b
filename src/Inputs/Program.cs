return FreesoundTagging.Inputs.InputsCommand.Run(args);
