using System.Text.RegularExpressions;

namespace Sentinel.Worker.Storage;

/// <summary>
/// Makes text that probes copied from targets storable: PostgreSQL text cannot hold NUL, and jsonb rejects
/// the escape \u0000. A target that sends a NUL byte (in a reason phrase, a TXT record, a header) must not
/// make its result, and the batch around it, impossible to write.
/// </summary>
internal static partial class StorageText
{
    private const string Replacement = "\uFFFD";

    public static string? Clean(string? text) =>
        text is null || !text.Contains('\0', StringComparison.Ordinal) ? text : text.Replace("\0", Replacement, StringComparison.Ordinal);

    /// <summary>Replaces <c>\u0000</c> escapes in JSON text, leaving an escaped backslash followed by "u0000" alone.</summary>
    public static string? CleanJson(string? json) =>
        json is null || !json.Contains("\\u0000", StringComparison.Ordinal) ? json : NulEscape().Replace(json, "$1\\uFFFD");

    [GeneratedRegex(@"(?<!\\)((?:\\\\)*)\\u0000")]
    private static partial Regex NulEscape();
}
