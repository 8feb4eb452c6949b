using System.Text;

namespace FreesoundTagging.IO;

/// <summary>
/// A pass over a manifest CSV's bytes before CsvHelper parses it, in bounded memory, for what the parser would
/// accept silently or too late: text that is not UTF-8 (decoded with U+FFFD, Windows-1252's "Café" and "Cafè"
/// become one class), a record longer than <see cref="MaxRecordBytes"/> (the parser buffers a whole field: a
/// 100 MB line cost 2.8 GB), and a quoted field whose closing quote never comes (which swallows the lines after
/// it). Quotes follow RFC 4180 as CsvHelper reads them: a field is quoted when it starts with a quote (after
/// spaces), and "" inside it is a quote.
/// </summary>
public static class CsvTextCheck
{
    /// <summary>The longest record read: a manifest's rows are a file name, a label and a flag.</summary>
    public const int MaxRecordBytes = 64 << 10;

    private static readonly Encoding StrictUtf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <exception cref="InvalidCsvException">Names the line.</exception>
    public static void Check(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1);
        var block = new byte[1 << 16];
        var line = new byte[MaxRecordBytes];
        int lineLength = 0, lineNumber = 1, recordLine = 1, recordBytes = 0, quoteLine = 0;
        bool first = true, utf8 = true, fieldStart = true, quoted = false, quoteSeen = false;
        int read;
        while ((read = stream.Read(block)) > 0)
        {
            var bytes = block.AsSpan(0, read);
            if (first)
            {
                // A UTF-16 or UTF-32 file (with its byte-order mark) is decoded by the reader; only its length is bounded here.
                utf8 = !(bytes.StartsWith(new byte[] { 0xFF, 0xFE }) || bytes.StartsWith(new byte[] { 0xFE, 0xFF }) || bytes.StartsWith(new byte[] { 0, 0, 0xFE, 0xFF }));
                first = false;
            }
            foreach (byte b in bytes)
            {
                if (utf8)
                {
                    // "" inside a quoted field is a quote; any other byte after a quote means the quote closed it.
                    if (quoteSeen && b == '"') quoteSeen = false;
                    else
                    {
                        if (quoteSeen) quoteSeen = quoted = false;
                        if (quoted) quoteSeen = b == '"';
                        else if (b == '"' && fieldStart)
                        {
                            quoted = true;
                            fieldStart = false;
                            quoteLine = lineNumber;
                        }
                        else if (b == ',' || b == '\n') fieldStart = true;
                        else if (b != ' ' && b != '\t' && b != '\r') fieldStart = false;
                    }
                }
                if (b == '\n')
                {
                    if (utf8) CheckUtf8(line.AsSpan(0, lineLength), lineNumber, path);
                    lineNumber++;
                    lineLength = 0;
                    if (!quoted)
                    {
                        recordBytes = 0;
                        recordLine = lineNumber;
                    }
                    continue;
                }
                if (++recordBytes > MaxRecordBytes)
                {
                    string why = quoted ? $"; the quoted field opened on line {quoteLine} is never closed" : "";
                    throw new InvalidCsvException($"line {recordLine}: a row longer than {RegularFile.Size(MaxRecordBytes)}{why} (rows are a file name, a label and a flag)", path);
                }
                line[lineLength++] = b;
            }
        }
        if (utf8) CheckUtf8(line.AsSpan(0, lineLength), lineNumber, path);
        if (quoted && !quoteSeen) throw new InvalidCsvException($"line {quoteLine}: a quoted field opened here is never closed (a missing \")", path);
    }

    private static void CheckUtf8(ReadOnlySpan<byte> line, int lineNumber, string path)
    {
        if (System.Text.Unicode.Utf8.IsValid(line)) return;
        string where = "";
        try
        {
            StrictUtf8.GetCharCount(line);
        }
        catch (DecoderFallbackException e)
        {
            if (e.Index >= 0 && e.Index < line.Length) where = $" (byte 0x{line[e.Index]:X2} at byte {e.Index + 1} of the line)";
        }
        // Decoded anyway, each bad byte would become U+FFFD, and labels differing only there would merge into one class.
        throw new InvalidCsvException($"line {lineNumber}: not valid UTF-8 text{where}; save the CSV as UTF-8", path);
    }
}
