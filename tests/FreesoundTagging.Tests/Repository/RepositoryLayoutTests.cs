using System.Diagnostics;
using Xunit;

namespace FreesoundTagging.Tests.Repository;

/// <summary>The clone must be the same on a case-insensitive file system (macOS, Windows).</summary>
public class RepositoryLayoutTests
{
    [Fact]
    public void NoTwoTrackedPathsDifferOnlyByCase()
    {
        string root = RepositoryRoot();
        var collisions = CaseCollisions(TrackedPaths(root));
        Assert.True(collisions.Count == 0, "paths that differ only by case: " + string.Join("; ", collisions));
    }

    [Fact]
    public void CollisionCheckSeesFoldersThatDifferOnlyByCase()
    {
        var collisions = CaseCollisions(["tests/Benchmarks/a.cs", "tests/benchmarks/b.sh", "src/x.cs"]);
        Assert.Equal(["tests/Benchmarks ~ tests/benchmarks"], collisions);
    }

    /// <summary>Every file and every folder above it, compared case-insensitively.</summary>
    private static List<string> CaseCollisions(IEnumerable<string> files)
    {
        var seen = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var collisions = new List<string>();
        foreach (string file in files)
        {
            string[] parts = file.Split('/');
            for (int depth = 1; depth <= parts.Length; depth++)
            {
                string prefix = string.Join('/', parts.Take(depth));
                if (!seen.TryGetValue(prefix, out string? first)) seen[prefix] = prefix;
                else if (first != prefix && !collisions.Contains($"{first} ~ {prefix}")) collisions.Add($"{first} ~ {prefix}");
            }
        }
        return collisions;
    }

    private static IEnumerable<string> TrackedPaths(string root)
    {
        // A clone has git; a source tarball has no .git and is checked as the files on disk.
        if (Directory.Exists(Path.Combine(root, ".git")))
        {
            var git = Process.Start(new ProcessStartInfo("git", ["-C", root, "ls-files", "-z"]) { RedirectStandardOutput = true })!;
            string output = git.StandardOutput.ReadToEnd();
            git.WaitForExit();
            Assert.Equal(0, git.ExitCode);
            return output.Split('\0', StringSplitOptions.RemoveEmptyEntries);
        }
        string[] ignored = ["bin", "obj", "artifacts"];
        return Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(root, f).Replace('\\', '/'))
            .Where(f => !f.Split('/').Any(ignored.Contains));
    }

    internal static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "FreesoundTagging.sln"))) return dir.FullName;
        throw new InvalidOperationException("FreesoundTagging.sln not found above " + AppContext.BaseDirectory);
    }
}
