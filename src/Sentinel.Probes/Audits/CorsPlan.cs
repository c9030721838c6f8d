namespace Sentinel.Probes.Audits;

/// <summary>What a CORS request of the audit stands for.</summary>
internal enum CorsProbeKind
{
    /// <summary>A GET with a configured origin: it must get access.</summary>
    Allowed,

    /// <summary>A GET with a configured origin plus a made-up suffix: it must not.</summary>
    Lookalike,

    /// <summary>A GET with a made-up origin: it must not get access.</summary>
    Hostile,

    /// <summary>A GET with <c>Origin: null</c>: it must not get access.</summary>
    Null,

    /// <summary>A preflight for a configured origin and method: it must pass.</summary>
    Preflight,

    /// <summary>A preflight from the made-up origin: it must not pass.</summary>
    HostilePreflight,
}

/// <summary>One request the CORS audit sends.</summary>
/// <param name="Kind">What it stands for.</param>
/// <param name="Origin">The Origin header sent.</param>
/// <param name="Method">The method: GET, or OPTIONS for preflights.</param>
/// <param name="Headers">The CORS request headers (Origin, and Access-Control-Request-* for preflights).</param>
/// <param name="Purpose">How messages name the request.</param>
/// <param name="RequestedMethod">For preflights, the method asked for.</param>
internal sealed record CorsProbe(CorsProbeKind Kind, string Origin, string Method, IReadOnlyList<KeyValuePair<string, string>> Headers, string Purpose, string? RequestedMethod = null)
{
    public bool IsPreflight => Kind is CorsProbeKind.Preflight or CorsProbeKind.HostilePreflight;

    /// <summary>
    /// Whether the check's own request headers (cookies, Authorization) go with it. A browser sends credentials with
    /// the actual request (an attacker's page asks for them), never with a preflight (Fetch: CORS-preflight fetch).
    /// </summary>
    public bool WithCheckHeaders => !IsPreflight;
}

/// <summary>
/// Which requests the CORS audit sends: one GET per allowed origin and per look-alike of it, one with a made-up
/// origin (<c>https://&lt;random&gt;.invalid</c>: .invalid never resolves, RFC 6761, 6.4), one with <c>null</c>, and
/// when the allowed origins use a non-simple method or header, a real preflight per origin and method plus one from
/// the made-up origin. The random labels come from the injected randomness, so tests can fix them.
/// </summary>
internal static class CorsPlan
{
    public static IReadOnlyList<CorsProbe> Create(CorsSettings settings, Random random)
    {
        var hostile = $"https://{Label(random, 12)}.invalid";
        var probes = new List<CorsProbe>();
        foreach (var origin in settings.Origins)
        {
            probes.Add(Get(CorsProbeKind.Allowed, origin, $"the request with the allowed Origin: {origin}"));
        }

        probes.Add(Get(CorsProbeKind.Hostile, hostile, $"the request with the made-up Origin: {hostile}"));
        probes.Add(Get(CorsProbeKind.Null, "null", "the request with Origin: null"));
        foreach (var origin in settings.Origins)
        {
            var lookalike = Lookalike(origin, Label(random, 8));
            probes.Add(Get(CorsProbeKind.Lookalike, lookalike, $"the request with the look-alike Origin: {lookalike}"));
        }

        var methods = settings.PreflightMethods;
        foreach (var origin in settings.Origins)
        {
            foreach (var method in methods)
            {
                probes.Add(Preflight(CorsProbeKind.Preflight, origin, method, settings.PreflightHeaders, $"the preflight for {method} from {origin}"));
            }
        }

        if (methods.Count > 0)
        {
            probes.Add(Preflight(CorsProbeKind.HostilePreflight, hostile, methods[0], settings.PreflightHeaders, $"the preflight for {methods[0]} from the made-up origin {hostile}"));
        }

        return probes;
    }

    private static CorsProbe Get(CorsProbeKind kind, string origin, string purpose) =>
        new(kind, origin, "GET", [new("Origin", origin)], purpose);

    private static CorsProbe Preflight(CorsProbeKind kind, string origin, string method, IReadOnlyList<string> headers, string purpose)
    {
        List<KeyValuePair<string, string>> sent = [new("Origin", origin), new("Access-Control-Request-Method", method)];
        if (headers.Count > 0)
        {
            // Fetch standard: the names lower-cased, sorted and joined with "," (no space).
            sent.Add(new("Access-Control-Request-Headers", string.Join(",", headers)));
        }

        return new CorsProbe(kind, origin, "OPTIONS", sent, purpose, method);
    }

    /// <summary>The allowed origin with a made-up domain appended to its host: a prefix match grants it, an exact one does not.</summary>
    private static string Lookalike(string origin, string label)
    {
        var uri = new Uri(origin);
        var port = uri.IsDefaultPort ? "" : ":" + uri.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var host = uri.HostNameType == UriHostNameType.IPv6 ? $"{label}.invalid" : $"{uri.IdnHost}.{label}.invalid";
        return $"{uri.Scheme}://{host}{port}";
    }

    private static string Label(Random random, int length)
    {
        const string Alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
        return string.Create(length, random, (span, r) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = Alphabet[r.Next(Alphabet.Length)];
            }
        });
    }
}
