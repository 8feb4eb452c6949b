return FreesoundTagging.Model.ModelCommand.Run(args);
