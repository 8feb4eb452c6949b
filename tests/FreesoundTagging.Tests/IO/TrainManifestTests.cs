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

    [Theory]
    [InlineData("fname,label\na.wav,\"Dog\tBark\"\n", "line 2: label 'Dog\tBark' contains a tab")]
    [InlineData("fname,label\na.wav,\"Dog\nBark\"\n", "line 2: label 'Dog\nBark' contains a line break")]
    [InlineData("fname,label\na.wav,Dog\u00A0Bark\n", "contains whitespace (U+00A0)")]
    [InlineData("fname,label\na.wav,Dog Bark\n", "contains a space")]
    public void LabelsWithAnyWhitespaceAreRefused(string text, string expected)
    {
        // Submissions hold three labels split on whitespace: a label with a tab or a line break would be read back as two.
        using var dir = new TempDir();
        var e = Assert.Throws<InvalidCsvException>(() => TrainManifest.Read(dir.Write("train.csv", text)));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void TextThatIsNotUtf8IsRefusedWithItsLine()
    {
        // Windows-1252: "Café" and "Cafè" would both decode to "Caf\uFFFD", one class.
        using var dir = new TempDir();
        byte[] bytes = [.. "fname,label\na.wav,Caf"u8, 0xE9, .. "\nb.wav,Caf"u8, 0xE8, .. "\n"u8];
        var e = Assert.Throws<InvalidCsvException>(() => TrainManifest.Read(dir.Write("train.csv", bytes)));
        Assert.Contains("line 2: not valid UTF-8 text (byte 0xE9", e.Message);
        Assert.Contains("save the CSV as UTF-8", e.Message);
        // Valid UTF-8 with a byte-order mark still reads.
        var m = TrainManifest.Read(dir.Write("ok.csv", [0xEF, 0xBB, 0xBF, .. "fname,label\na.wav,Café\nb.wav,Cafè\n"u8]));
        Assert.Equal(["Café", "Cafè"], m.Classes);
    }

    [Theory]
    [InlineData("fname,label\na.wav,Dog\nb.wav,\"Cat\nc.wav,Dog\n", "line 3: a quoted field opened here is never closed")]
    [InlineData("fname,label\n\"a.wav,Dog\n", "line 2: a quoted field opened here is never closed")]
    public void AnUnclosedQuoteIsNamedForWhatItIs(string text, string expected)
    {
        using var dir = new TempDir();
        var e = Assert.Throws<InvalidCsvException>(() => TrainManifest.Read(dir.Write("train.csv", text)));
        Assert.Contains(expected, e.Message);
        Assert.DoesNotContain("empty label", e.Message);
    }

    [Fact]
    public void QuotesThatCloseStillRead()
    {
        using var dir = new TempDir();
        var m = TrainManifest.Read(dir.Write("train.csv", "fname,label,note\n\"a.wav\",Dog,\"say \"\"hi\"\", twice\nline two\"\nb.wav,Cat,5\"\n"));
        Assert.Equal(["a.wav", "b.wav"], m.Rows.Select(r => r.Fname));
        Assert.Equal(["Dog", "Cat"], m.Classes);
    }

    [Theory]
    [InlineData("fname")]
    [InlineData("quote")]
    [InlineData("label")]
    public void HugeFieldsAreRefusedInBoundedMemory(string where)
    {
        // A 20 MB field: the parser alone buffered about 28 times a line's size (2.77 GB for 100 MB).
        using var dir = new TempDir();
        string path = dir.File("train.csv");
        using (var w = new StreamWriter(path))
        {
            w.Write(where == "quote" ? "fname,label\na.wav,\"Dog\n" : "fname,label\n");
            if (where == "fname") w.Write(new string('a', 20_000_000) + ".wav,Dog\n");
            else if (where == "label") w.Write("a.wav," + new string('D', 20_000_000) + "\n");
            else for (int i = 0; i < 200_000; i++) w.Write("xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n");
        }
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<InvalidCsvException>(() => TrainManifest.Read(path));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Contains("line 2: a row longer than 64 KiB", e.Message);
        if (where == "quote") Assert.Contains("the quoted field opened on line 2 is never closed", e.Message);
        Assert.True(allocated < 2_000_000, $"reading a 20 MB field allocated {allocated:N0} bytes");
    }

    [Fact]
    public void LongLabelsAndFileNamesAreRefused()
    {
        using var dir = new TempDir();
        var label = Assert.Throws<InvalidCsvException>(() => TrainManifest.Read(dir.Write("a.csv", $"fname,label\na.wav,{new string('D', 257)}\n")));
        Assert.Contains("is 257 characters long; labels are at most 256", label.Message);
        var name = Assert.Throws<InvalidCsvException>(() => TrainManifest.Read(dir.Write("b.csv", $"fname,label\n{new string('a', 252)}.wav,Dog\n")));
        Assert.Contains("is longer than 255 bytes", name.Message);
        // At the limits they are taken.
        Assert.Single(TrainManifest.Read(dir.Write("c.csv", $"fname,label\n{new string('a', 251)}.wav,{new string('D', 256)}\n")).Rows);
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
