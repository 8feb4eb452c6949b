using FreesoundTagging.CommandLine;
using FreesoundTagging.Models;

namespace FreesoundTagging.Predict;

/// <summary><c>predict MODEL... --info [--format json]</c>: what each model file holds, as lines or one JSON value.</summary>
internal static class ModelInfoOutput
{
    public static int Print(IReadOnlyList<string> models, string? format)
    {
        if (format is not (null or "plain" or "table" or "json"))
            throw new InvalidInputException($"--info prints plain text or json, not '{format}'");
        var infos = models.Select(ModelInfo.Read).ToList();
        if (format == "json")
        {
            // One model: its object; several (an ensemble): an array of them.
            Console.WriteLine(infos.Count == 1 ? infos[0].ToJson() : "[\n" + string.Join(",\n", infos.Select(i => i.ToJson())) + "\n]");
            return ExitCodes.Ok;
        }
        for (int i = 0; i < infos.Count; i++)
        {
            if (i > 0) Console.WriteLine();
            foreach (string line in infos[i].ToLines()) Console.WriteLine(line);
        }
        return ExitCodes.Ok;
    }
}
