using Sentinel.Probes.Probing;

namespace Sentinel.Probes.Audits;

/// <summary>A request the audit sent (or the check's own), as sent.</summary>
/// <param name="Purpose">What it was for, as messages name it: "the request with Origin: null".</param>
/// <param name="Method">The method.</param>
/// <param name="Url">The URL.</param>
/// <param name="Headers">The headers as sent (Host and the client's defaults included), secrets redacted.</param>
internal sealed record AuditRequest(string Purpose, string Method, Uri Url, IReadOnlyList<KeyValuePair<string, string>> Headers)
{
    /// <summary>The value of the request header <paramref name="name"/>, or null.</summary>
    public string? Header(string name) => Headers.FirstOrDefault(h => h.Key.Equals(name, StringComparison.OrdinalIgnoreCase)).Value;
}

/// <summary>A response's status and its header fields, one entry per field line in the order received, unredacted.</summary>
internal sealed record AuditResponse(int Status, string? Reason, IReadOnlyList<KeyValuePair<string, string>> Headers)
{
    /// <summary>The values of every field named <paramref name="name"/> (case-insensitive), in order.</summary>
    public IReadOnlyList<string> Values(string name) =>
        Headers.Where(h => h.Key.Equals(name, StringComparison.OrdinalIgnoreCase)).Select(h => h.Value).ToList();

    /// <summary>
    /// The fields named <paramref name="name"/> combined as the Fetch standard's "get" does (values joined with
    /// ", "), or null when there is none: what a browser compares Access-Control-* headers with.
    /// </summary>
    public string? Combined(string name) => Values(name) is { Count: > 0 } values ? string.Join(", ", values) : null;

    /// <summary>The comma-separated elements of every field named <paramref name="name"/>, trimmed, empty ones dropped.</summary>
    public IReadOnlyList<string> List(string name) =>
        Values(name).SelectMany(v => v.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)).ToList();

    /// <summary>Whether a Vary field names Origin (or is *), so that caches key on the request's Origin.</summary>
    public bool VariesOnOrigin => List("Vary").Any(v => v == "*" || v.Equals("Origin", StringComparison.OrdinalIgnoreCase));

    /// <summary>Whether Cache-Control forbids storing the response at all (no-store), so no cache can mix origins up.</summary>
    public bool NoStore => List("Cache-Control").Any(v => v.Equals("no-store", StringComparison.OrdinalIgnoreCase));

    /// <summary>The status line's text, e.g. <c>200 OK</c>.</summary>
    public string StatusLine => $"{Status} {Reason}".TrimEnd();

    /// <summary>Whether the status is a redirect the audit understands (301, 302, 303, 307, 308).</summary>
    public bool IsRedirect => Status is 301 or 302 or 303 or 307 or 308;
}

/// <summary>One request and what came back: a response, or the classified failure of the exchange.</summary>
internal sealed record AuditExchange(AuditRequest Request, AuditResponse? Response, Problem? Failure = null)
{
    public bool Https => Request.Url.Scheme == Uri.UriSchemeHttps;

    /// <summary>Where a redirect points, resolved against the request's URL; null when it is no redirect or has no usable Location.</summary>
    public Uri? RedirectTarget =>
        Response is { IsRedirect: true } response && response.Values("Location") is [var location, ..]
            && Uri.TryCreate(Request.Url, location.Trim(), out var target)
            ? target
            : null;
}
