using FreesoundTagging.IO;
using FreesoundTagging.Tests.Support;
using Xunit;

namespace FreesoundTagging.Tests.IO;

public class TrainManifestTests
{
    [Fact]
    public void ClassesAreInOrderOfFirstAppearance()
    {
        using var dir = new TempDir();
        string csv = dir.Write("train.csv", "fname,label,manually_verified\nb.wav,Dog,1\na.wav,Cat,0\nc.wav,Dog,1\n");
        var m = TrainManifest.Read(csv);
        Assert.Equal(new[] { "Dog", "Cat" }, m.Classes);
        Assert.Equal(new[] { true, false, true }, m.Rows.Select(r => r.ManuallyVerified));
    }

    [Fact]
    public void ToleratesBomCrlfQuotesBlankLinesAndExtraColumns()
    {
        using var dir = new TempDir();
        string csv = dir.Write("train.csv", "\uFEFFextra,fname,label\r\nx,\"a.wav\",Dog\r\n\r\ny,b.wav,\"Cat\"\r\n");
        var m = TrainManifest.Read(csv);
        Assert.Equal(new[] { "a.wav", "b.wav" }, m.Rows.Select(r => r.Fname));
        Assert.Equal(new[] { "Dog", "Cat" }, m.Classes);
        Assert.All(m.Rows, r => Assert.True(r.ManuallyVerified));
    }

    [Theory]
    [InlineData("", "empty file")]
    [InlineData("fname,label\n", "no rows")]
    [InlineData("fname,lable\na.wav,Dog\n", "missing column 'label'")]
    [InlineData("name,label\na.wav,Dog\n", "missing column 'fname'")]
    [InlineData("fname,label\na.wav,Dog\na.wav,Cat\n", "duplicate fname 'a.wav'")]
    [InlineData("fname,label\n../etc/passwd,Dog\n", "plain file name")]
    [InlineData("fname,label\nsub/a.wav,Dog\n", "plain file name")]
    [InlineData("fname,label\n..,Dog\n", "plain file name")]
    [InlineData("fname,label\n/abs.wav,Dog\n", "plain file name")]
    [InlineData("fname,label\na.wav,\n", "empty label")]
    [InlineData("fname,label\n,Dog\n", "empty fname")]
    [InlineData("fname,label,manually_verified\na.wav,Dog,yes\n", "manually_verified")]
    public void BadManifestsAreRefusedWithTheReason(string text, string expected)
    {
        using var dir = new TempDir();
        string csv = dir.Write("train.csv", text);
        var e = Assert.Throws<InvalidCsvException>(() => TrainManifest.Read(csv));
        Assert.Contains(expected, e.Message);
        Assert.Contains("train.csv", e.Message);
    }

    [Fact]
    public void MissingFileAndFolderAreRefused()
    {
        using var dir = new TempDir();
        Assert.Contains("not found", Assert.Throws<InvalidCsvException>(() => TrainManifest.Read(dir.File("none.csv"))).Message);
        Assert.Contains("folder", Assert.Throws<InvalidCsvException>(() => TrainManifest.Read(dir.Path)).Message);
    }

    [Fact]
    public void SubmissionTemplateKeepsRowOrderAndFallbackLabels()
    {
        using var dir = new TempDir();
        string csv = dir.Write("sample_submission.csv", "fname,label\nz.wav,A B C\na.wav,\n");
        var t = SubmissionTemplate.Read(csv);
        Assert.Equal(new[] { "z.wav", "a.wav" }, t.Rows.Select(r => r.Fname));
        Assert.Equal("A B C", t.Rows[0].FallbackLabel);
    }
}
