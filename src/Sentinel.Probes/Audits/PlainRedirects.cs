namespace Sentinel.Probes.Audits;

/// <summary>How the plain-HTTP leg of an HSTS audit ended.</summary>
internal enum PlainEnd
{
    /// <summary>A hop redirected to an https:// URL: browsers end up on HTTPS.</summary>
    Https,

    /// <summary>A hop answered without redirecting, or redirected to something other than http:// or https://.</summary>
    NotRedirected,

    /// <summary>A hop did not answer (nothing listening, filtered, its share of the timeout spent).</summary>
    Unanswered,

    /// <summary>Still on plain HTTP after <see cref="PlainRedirects.MaxRedirects"/> redirects.</summary>
    TooManyRedirects,

    /// <summary>A hop redirected to a plain-HTTP URL already visited.</summary>
    Loop,
}

/// <summary>The plain-HTTP leg: the plain-HTTP URL's answer and the plain-HTTP redirects after it, in order.</summary>
/// <param name="Hops">The exchanges, the plain-HTTP URL's first; every one is over plain HTTP.</param>
/// <param name="End">How the leg ended; <see cref="PlainEnd.Https"/> when the last hop redirects to HTTPS.</param>
internal sealed record PlainChain(IReadOnlyList<AuditExchange> Hops, PlainEnd End)
{
    /// <summary>The plain-HTTP URL's own exchange, which hstspreload.org's same-host rule is about.</summary>
    public AuditExchange First => Hops[0];

    public AuditExchange Last => Hops[^1];

    /// <summary>The URLs of the leg, joined as a route: <c>http://a/ → http://www.a/ → https://www.a/</c>.</summary>
    public string Route =>
        string.Join(" → ", Hops.Select(h => h.Request.Url.ToString()).Concat(Last.RedirectTarget is { } next && End != PlainEnd.NotRedirected ? [next.ToString()] : []));
}

/// <summary>
/// Follows the plain-HTTP URL's redirects while they stay on plain HTTP, as a browser does with a typed URL:
/// <c>http://a → http://www.a → https://www.a</c> ends on HTTPS in every browser, so whether plain HTTP is redirected is
/// judged where the chain ends. Bounded: at most <see cref="MaxRedirects"/> redirects, a loop stops it.
/// </summary>
internal static class PlainRedirects
{
    /// <summary>The most plain-HTTP redirects followed before giving up on reaching HTTPS.</summary>
    public const int MaxRedirects = 5;

    /// <summary>
    /// Follows from <paramref name="url"/>. A hop whose URL matches the same position of <paramref name="known"/> (the
    /// check's own hops, for a plain-HTTP target) is taken from there; the others are requested with
    /// <paramref name="send"/>, which returns null when the check's deadline stopped it (and so this returns null).
    /// </summary>
    public static async Task<PlainChain?> FollowAsync(Uri url, IReadOnlyList<AuditExchange> known, Func<Uri, int, Task<AuditExchange?>> send)
    {
        var hops = new List<AuditExchange>();
        var visited = new HashSet<string>(StringComparer.Ordinal);
        var next = url;
        while (true)
        {
            visited.Add(next.AbsoluteUri);
            var exchange = hops.Count < known.Count && known[hops.Count].Request.Url.AbsoluteUri == next.AbsoluteUri
                ? known[hops.Count]
                : await send(next, hops.Count).ConfigureAwait(false);
            if (exchange is null)
            {
                return null;
            }

            hops.Add(exchange);
            if (exchange.Response is null)
            {
                return new PlainChain(hops, PlainEnd.Unanswered);
            }

            var target = exchange.RedirectTarget;
            if (target?.Scheme == Uri.UriSchemeHttps)
            {
                return new PlainChain(hops, PlainEnd.Https);
            }

            if (target?.Scheme != Uri.UriSchemeHttp)
            {
                return new PlainChain(hops, PlainEnd.NotRedirected);
            }

            if (visited.Contains(target.AbsoluteUri))
            {
                return new PlainChain(hops, PlainEnd.Loop);
            }

            if (hops.Count > MaxRedirects)
            {
                return new PlainChain(hops, PlainEnd.TooManyRedirects);
            }

            next = target;
        }
    }
}
