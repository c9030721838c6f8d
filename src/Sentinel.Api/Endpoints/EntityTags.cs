using Microsoft.Extensions.Primitives;

namespace Sentinel.Api.Endpoints;

/// <summary>
/// A check's <c>ETag</c> and the <c>If-Match</c> test of writes (RFC 9110, 13.1.1): strong comparison, so a weak tag
/// never matches; <c>*</c> matches any current check.
/// </summary>
internal static class EntityTags
{
    /// <summary>The ETag of a check at <paramref name="version"/>: its version and creation time in microseconds.</summary>
    public static string Of(CheckVersion version) =>
        $"\"{version.Number}-{(version.CreatedAt.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10:x}\"";

    /// <summary>Whether the <c>If-Match</c> values name <paramref name="current"/>.</summary>
    public static bool Matches(StringValues ifMatch, CheckVersion current)
    {
        var tag = Of(current);
        foreach (var value in ifMatch)
        {
            foreach (var part in (value ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                if (part == "*" || part == tag)
                {
                    return true;
                }
            }
        }

        return false;
    }
}
