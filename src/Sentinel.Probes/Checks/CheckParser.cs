using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Sentinel.Probes.Checks;

/// <summary>
/// Parses check documents strictly: a document is one check object or an array of them, unknown fields are
/// errors, and every error names its JSON path and line. The file loader, <c>sentinel validate</c> and the
/// API all parse through here, so they report the same messages.
/// </summary>
internal static class CheckParser
{
    /// <summary>The deepest nesting accepted.</summary>
    internal const int MaxDepth = 32;

    private static readonly JsonDocumentOptions DocumentOptions = new()
    {
        MaxDepth = MaxDepth,
        CommentHandling = JsonCommentHandling.Disallow,
        AllowTrailingCommas = false,
    };

    /// <summary>
    /// Parses a UTF-8 document from <paramref name="source"/>, knowing the check types in <paramref name="types"/>
    /// (the built-in ones are <c>ProbeCatalog.Default.Checks</c>).
    /// </summary>
    internal static CheckDocument Parse(ReadOnlySpan<byte> utf8, string source, CheckTypes types)
    {
        if (utf8.Length > CheckLimits.MaxFileBytes)
        {
            return Failed(source, null, $"the document is larger than {CheckLimits.MaxFileBytes / 1024 / 1024} MiB ({utf8.Length} bytes); split it into several files");
        }

        if (utf8.StartsWith("\uFEFF"u8))
        {
            utf8 = utf8[3..];
        }

        if (FindInvalidUtf8(utf8) is { } offset)
        {
            var line = utf8[..offset].Count((byte)'\n') + 1;
            return Failed(source, line, $"the document is not valid UTF-8 (byte 0x{utf8[offset]:X2} at offset {offset})");
        }

        if (utf8.Trim(" \t\r\n"u8).IsEmpty)
        {
            return Failed(source, null, "the document is empty; expected a check object or an array of check objects");
        }

        JsonDocument document;
        try
        {
            var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { MaxDepth = MaxDepth });
            document = JsonDocument.ParseValue(ref reader);
            var rest = utf8[(int)reader.BytesConsumed..];
            var extra = rest.IndexOfAnyExcept(" \t\r\n"u8);
            if (extra >= 0)
            {
                var line = utf8[..((int)reader.BytesConsumed + extra)].Count((byte)'\n') + 1;
                document.Dispose();
                return Failed(source, line, "invalid JSON: unexpected content after the end of the document");
            }
        }
        catch (JsonException ex)
        {
            return Failed(source, ex.LineNumber is { } n ? (int)n + 1 : null, "invalid JSON: " + Describe(ex, utf8));
        }

        using (document)
        {
            var context = new CheckReadContext(source, JsonLineMap.Build(utf8));
            var checks = new List<ParsedCheck>();
            var root = document.RootElement;
            switch (root.ValueKind)
            {
                case JsonValueKind.Object:
                    Add(root, JsonPath.Root);
                    break;
                case JsonValueKind.Array when root.GetArrayLength() == 0:
                    context.Error(JsonPath.Root, "expected a check object or an array of check objects, got an empty array");
                    break;
                case JsonValueKind.Array when root.GetArrayLength() > CheckLimits.MaxChecksPerFile:
                    context.Error(JsonPath.Root, $"a document may hold at most {CheckLimits.MaxChecksPerFile} checks, got {root.GetArrayLength()}");
                    break;
                case JsonValueKind.Array:
                    var index = 0;
                    foreach (var item in root.EnumerateArray())
                    {
                        Add(item, JsonPath.Index(JsonPath.Root, index++));
                    }

                    CheckSet.ReportDuplicates(checks, context);
                    break;
                default:
                    context.Error(JsonPath.Root, $"expected a check object or an array of check objects, got {JsonObjectReader.Describe(root)}");
                    break;
            }

            return context.Errors.Count > 0
                ? new CheckDocument(source, [], context.Errors)
                : new CheckDocument(source, checks, []);

            void Add(JsonElement element, string path)
            {
                if (CheckReader.Read(element, path, context, types) is { } check)
                {
                    checks.Add(new ParsedCheck(check, element.GetRawText(), path, context.Lines.LineOf(path)));
                }
            }
        }
    }

    /// <summary>Parses a document held as text (a stored definition or an API body).</summary>
    internal static CheckDocument Parse(string json, string source, CheckTypes types) => Parse(Encoding.UTF8.GetBytes(json), source, types);

    /// <summary>A document that is not readable JSON: every caller of this is about bytes, not about a check.</summary>
    private static CheckDocument Failed(string source, int? line, string message) =>
        new(source, [], [new CheckError(source, line, JsonPath.Root, message)]) { Malformed = true };

    private static int? FindInvalidUtf8(ReadOnlySpan<byte> utf8)
    {
        var buffer = ArrayPool<char>.Shared.Rent(4096);
        try
        {
            var consumedTotal = 0;
            while (consumedTotal < utf8.Length)
            {
                var status = System.Text.Unicode.Utf8.ToUtf16(utf8[consumedTotal..], buffer, out var read, out _, replaceInvalidSequences: false);
                consumedTotal += read;
                if (status == OperationStatus.InvalidData || status == OperationStatus.NeedMoreData)
                {
                    return consumedTotal;
                }
            }

            return null;
        }
        finally
        {
            ArrayPool<char>.Shared.Return(buffer);
        }
    }

    /// <summary>Says what is wrong with the JSON in words for people who edit check files, not reader options.</summary>
    private static string Describe(JsonException ex, ReadOnlySpan<byte> utf8)
    {
        if (ByteAt(utf8, ex.LineNumber, ex.BytePositionInLine) == (byte)'/')
        {
            return "comments are not allowed in check files";
        }

        var message = ex.Message;
        return message switch
        {
            _ when message.Contains("trailing comma", StringComparison.Ordinal) => "a trailing comma is not allowed",
            _ when message.Contains("maximum configured depth", StringComparison.Ordinal) => $"the document is nested deeper than {MaxDepth} levels",
            _ when message.Contains("Expected depth to be zero", StringComparison.Ordinal) => "the document ends before all of its objects and arrays are closed",
            _ when message.Contains("end of string", StringComparison.Ordinal) => "a string is not closed",
            _ => CleanMessage(message),
        };
    }

    private static byte? ByteAt(ReadOnlySpan<byte> utf8, long? line, long? position)
    {
        if (line is null || position is null)
        {
            return null;
        }

        var offset = 0;
        for (var i = 0; i < line && offset >= 0; i++)
        {
            var next = utf8[offset..].IndexOf((byte)'\n');
            offset = next < 0 ? -1 : offset + next + 1;
        }

        var at = offset + (int)position;
        return offset >= 0 && at < utf8.Length ? utf8[at] : null;
    }

    /// <summary>System.Text.Json appends "Path: … | LineNumber: … | BytePositionInLine: …"; the error already says where.</summary>
    private static string CleanMessage(string message)
    {
        var cut = message.IndexOf(" Path: ", StringComparison.Ordinal);
        if (cut < 0)
        {
            cut = message.IndexOf(" LineNumber: ", StringComparison.Ordinal);
        }

        return (cut >= 0 ? message[..cut] : message).TrimEnd();
    }
}
