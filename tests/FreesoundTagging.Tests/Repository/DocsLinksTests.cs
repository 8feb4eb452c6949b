using System.Text;
using System.Text.RegularExpressions;
using Xunit;

namespace FreesoundTagging.Tests.Repository;

/// <summary>The README stays a page, and every relative link of the docs reaches a file and, where it names one,
/// a heading of that file (GitHub's anchors), so that condensing or renaming a section cannot strand a link.</summary>
public partial class DocsLinksTests
{
    private const int ReadmeLimitBytes = 12 * 1024;

    [Fact]
    public void ReadmeFitsInTwelveKilobytes()
    {
        long bytes = new FileInfo(Path.Combine(RepositoryLayoutTests.RepositoryRoot(), "README.md")).Length;
        Assert.True(bytes <= ReadmeLimitBytes, $"README.md is {bytes} bytes; keep it under {ReadmeLimitBytes} and move detail to docs/");
    }

    [Fact]
    public void EveryRelativeLinkOfTheDocsResolves()
    {
        string root = RepositoryLayoutTests.RepositoryRoot();
        var broken = Documents(root).SelectMany(doc => BrokenLinks(root, doc)).ToList();
        Assert.True(broken.Count == 0, "broken links: " + string.Join("; ", broken));
    }

    [Fact]
    public void AnchorsFollowGitHubsHeadingSlugs()
    {
        Assert.Equal("12-channels-last-feature-maps-for-cnn_2d_vgg", Slug("12. Channels-last feature maps for cnn_2d_vgg"));
        Assert.Equal("model-info-predict-model---info---format-json", Slug("Model info: `predict MODEL... --info [--format json]`"));
        Assert.Equal(["a-validation-split-with-checked-labels"], Headings("# Top\n```sh\n# not a heading\n```\n### A validation split with checked labels\n").Skip(1));
    }

    private static IEnumerable<string> Documents(string root)
    {
        yield return Path.Combine(root, "README.md");
        yield return Path.Combine(root, "pre_trained_models", "README.md");
        foreach (string doc in Directory.EnumerateFiles(Path.Combine(root, "docs"), "*.md")) yield return doc;
    }

    private static IEnumerable<string> BrokenLinks(string root, string doc)
    {
        string text = File.ReadAllText(doc);
        string where = Path.GetRelativePath(root, doc);
        foreach (Match link in LinkTarget().Matches(text))
        {
            string target = link.Groups["target"].Value;
            if (target.Contains("://") || target.StartsWith("mailto:", StringComparison.Ordinal)) continue;
            string[] parts = target.Split('#', 2);
            string file = parts[0].Length == 0 ? doc : Path.GetFullPath(Path.Combine(Path.GetDirectoryName(doc)!, parts[0]));
            if (!File.Exists(file) && !Directory.Exists(file)) { yield return $"{where} → {target} (no such file)"; continue; }
            if (parts.Length == 2 && file.EndsWith(".md", StringComparison.Ordinal) && !Headings(File.ReadAllText(file)).Contains(parts[1]))
                yield return $"{where} → {target} (no such heading)";
        }
    }

    /// <summary>The anchors GitHub gives a file's headings (code blocks skipped; a repeated slug gets -1, -2, …).</summary>
    private static List<string> Headings(string markdown)
    {
        var anchors = new List<string>();
        var repeats = new Dictionary<string, int>();
        bool inCode = false;
        foreach (string line in markdown.Split('\n'))
        {
            if (line.TrimStart().StartsWith("```", StringComparison.Ordinal)) inCode = !inCode;
            if (inCode) continue;
            Match heading = HeadingLine().Match(line);
            if (!heading.Success) continue;
            string slug = Slug(heading.Groups["title"].Value);
            int seen = repeats.GetValueOrDefault(slug);
            repeats[slug] = seen + 1;
            anchors.Add(seen == 0 ? slug : $"{slug}-{seen}");
        }
        return anchors;
    }

    private static string Slug(string title)
    {
        var slug = new StringBuilder();
        foreach (char c in title.Trim().ToLowerInvariant())
            if (char.IsLetterOrDigit(c) || c == '-' || c == '_') slug.Append(c);
            else if (c == ' ') slug.Append('-');
        return slug.ToString();
    }

    [GeneratedRegex(@"(?:\]\(|src="")(?<target>[^)""\s]+)[)""]")]
    private static partial Regex LinkTarget();

    [GeneratedRegex(@"^#{1,6} +(?<title>.+?) *#*$")]
    private static partial Regex HeadingLine();
}
