using System.Text.RegularExpressions;
using Xunit;

namespace FreesoundTagging.Tests.Repository;

/// <summary>
/// The core library's folders form layers (docs/architecture.md, "Layers"): a folder uses its own layer's folders
/// and lower ones, never a higher one, and two folders of one layer never use each other both ways. Building blocks
/// then never reach up into orchestration, and a folder can be read, tested and replaced with only what is below it.
/// </summary>
public partial class LayerRuleTests
{
    /// <summary>The layers, lowest first: the one declaration the test and docs/architecture.md's table follow.</summary>
    internal static readonly string[][] Layers =
    [
        ["IO", "Runtime", "Metrics"],
        ["Audio", "Torch"],
        ["Features"],
        ["Datasets", "Recipes", "Models"],
        ["Scoring"],
        ["Training", "Inference", "Reporting"],
        ["Jobs"],
    ];

    [Fact]
    public void NoCoreFolderUsesAHigherLayer()
    {
        var sources = Directory.EnumerateFiles(CoreFolder(), "*.cs", SearchOption.AllDirectories)
            .Select(path => Path.GetRelativePath(CoreFolder(), path).Replace('\\', '/'))
            .Where(path => !path.StartsWith("bin/") && !path.StartsWith("obj/"))
            .Select(path => new Source(path, File.ReadAllText(Path.Combine(CoreFolder(), path))));
        var violations = Violations(sources, Layers);
        Assert.True(violations.Count == 0, "against the layer rule of docs/architecture.md:\n" + string.Join("\n", violations));
    }

    [Fact]
    public void TheCheckSeesAnUpwardUseACycleAndAFolderInNoLayer()
    {
        Source[] sources =
        [
            new("Low/A.cs", "namespace X.Low; public class Alpha { High.Gamma g; /* Delta in a comment */ string s = \"Delta\"; }"),
            new("High/G.cs", "namespace X.High; public sealed record Gamma(Alpha A);"),
            new("Left/L.cs", "namespace X.Left; internal readonly record struct Lima(Romeo R);"),
            new("Right/R.cs", "namespace X.Right; public interface Romeo { Lima L { get; } }"),
            new("Stray/S.cs", "namespace X.Stray; public enum Sierra { One }"),
            new("High/D.cs", "namespace X.High; public static class Delta { }"),
        ];
        var violations = Violations(sources, [["Low"], ["Left", "Right"], ["High"]]);
        Assert.Equal(
            [
                "Low/A.cs uses Gamma of High (layer 2 above 0)",
                "Left and Right use each other (layer 1)",
                "Stray/ is in no layer",
            ], violations);
    }

    [Fact]
    public void ArchitectureDocumentListsTheSameLayers()
    {
        string doc = File.ReadAllText(Path.Combine(RepositoryLayoutTests.RepositoryRoot(), "docs", "architecture.md"));
        var rows = LayerRow().Matches(doc).Select(m => (Layer: int.Parse(m.Groups[1].Value),
            Folders: m.Groups[2].Value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
                .Select(f => f.Trim('`', '/')).ToArray())).ToList();
        Assert.Equal(Layers.Length, rows.Count);
        for (int layer = 0; layer < Layers.Length; layer++)
        {
            Assert.Equal(layer, rows[layer].Layer);
            Assert.Equal(Layers[layer], rows[layer].Folders);
        }
    }

    internal sealed record Source(string Path, string Text);

    /// <summary>Each use of a type declared in another folder that breaks the rule, and each folder in no layer.</summary>
    internal static List<string> Violations(IEnumerable<Source> sources, string[][] layers)
    {
        var code = sources.Select(s => (Folder: TopFolder(s.Path), s.Path, Code: CodeOnly(s.Text))).ToList();
        var layerOf = new Dictionary<string, int>();
        for (int i = 0; i < layers.Length; i++) foreach (string folder in layers[i]) layerOf[folder] = i;

        // Type name -> folder declaring it; a name declared in two folders is ambiguous and not followed.
        var owner = new Dictionary<string, string?>();
        foreach (var file in code)
            foreach (Match m in Declaration().Matches(file.Code))
            {
                string name = m.Groups[1].Value;
                owner[name] = owner.TryGetValue(name, out string? seen) && seen != file.Folder ? null : file.Folder;
            }

        var violations = new List<string>();
        var sameLayerUses = new HashSet<(string From, string To)>();
        foreach (var file in code.Where(f => f.Folder != ""))
        {
            if (!layerOf.TryGetValue(file.Folder, out int from)) continue;
            foreach (string name in Identifier().Matches(file.Code).Select(m => m.Value).Distinct())
            {
                if (!owner.TryGetValue(name, out string? folder) || folder is null || folder == file.Folder || folder == "") continue;
                if (!layerOf.TryGetValue(folder, out int to)) continue;
                if (to > from) violations.Add($"{file.Path} uses {name} of {folder} (layer {to} above {from})");
                else if (to == from) sameLayerUses.Add((file.Folder, folder));
            }
        }
        foreach (var (a, b) in sameLayerUses.Where(u => string.CompareOrdinal(u.From, u.To) < 0 && sameLayerUses.Contains((u.To, u.From))))
            violations.Add($"{a} and {b} use each other (layer {layerOf[a]})");
        foreach (string folder in code.Select(f => f.Folder).Where(f => f != "" && !layerOf.ContainsKey(f)).Distinct().Order())
            violations.Add($"{folder}/ is in no layer");
        return violations;
    }

    /// <summary>The first folder of a path relative to the library ("" for files at its root, usable by every layer).</summary>
    private static string TopFolder(string path) => path.Contains('/') ? path[..path.IndexOf('/')] : "";

    /// <summary>The source without comments and string or character literals, so words in them are not uses.</summary>
    private static string CodeOnly(string text) => NonCode().Replace(text, " ");

    private static string CoreFolder() => Path.Combine(RepositoryLayoutTests.RepositoryRoot(), "src", "FreesoundTagging.Core");

    [GeneratedRegex("\"\"\"[\\s\\S]*?\"\"\"|@\"(?:[^\"]|\"\")*\"|\"(?:\\\\.|[^\"\\\\\\n])*\"|'(?:\\\\.|[^'\\\\\\n])+'|//[^\\n]*|/\\*[\\s\\S]*?\\*/")]
    private static partial Regex NonCode();

    [GeneratedRegex(@"\b(?:class|struct|interface|enum|record(?:\s+struct|\s+class)?)\s+([A-Z]\w*)")]
    private static partial Regex Declaration();

    [GeneratedRegex(@"\b[A-Z]\w*\b")]
    private static partial Regex Identifier();

    /// <summary>A row of the table in docs/architecture.md: "| 0 | `IO/`, `Runtime/` | ...".</summary>
    [GeneratedRegex(@"^\|\s*(\d+)\s*\|\s*([^|]+?)\s*\|", RegexOptions.Multiline)]
    private static partial Regex LayerRow();
}
