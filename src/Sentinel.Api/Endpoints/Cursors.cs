using System.Buffers.Text;
using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace Sentinel.Api.Endpoints;

/// <summary>
/// Opaque page cursors: base64url of a kind tag and the last key of the page. Keyset pagination on a unique key is
/// stable while rows are added: a page never repeats a row nor skips one that existed when the listing began.
/// </summary>
internal static class Cursors
{
    /// <summary>The cursor after <paramref name="key"/> for a listing of <paramref name="kind"/>.</summary>
    public static string Encode(string kind, string key) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes($"{kind}:{key}"));

    /// <summary>The key in a cursor of <paramref name="kind"/>; false for anything else.</summary>
    public static bool TryDecode(string cursor, string kind, [NotNullWhen(true)] out string? key)
    {
        key = null;
        if (cursor.Length is 0 or > 256 || !Base64Url.IsValid(cursor))
        {
            return false;
        }

        string text;
        try
        {
            text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(Base64Url.DecodeFromChars(cursor));
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException)
        {
            return false;
        }

        if (!text.StartsWith(kind + ":", StringComparison.Ordinal))
        {
            return false;
        }

        key = text[(kind.Length + 1)..];
        return key.Length > 0;
    }
}
