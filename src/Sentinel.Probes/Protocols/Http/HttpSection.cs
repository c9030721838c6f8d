using System.Text.RegularExpressions;
using Sentinel.Probes.Checks;
using Sentinel.Probes.Protocols.Tls;

namespace Sentinel.Probes.Protocols.Http;

/// <summary>Which HTTP version a check asks for.</summary>
internal enum HttpVersionPreference
{
    /// <summary>HTTP/1.1 (the default, as blackbox_exporter).</summary>
    Http11,

    /// <summary>HTTP/2: offered by ALPN over TLS (the server may still choose 1.1); prior knowledge (h2c) over plain HTTP.</summary>
    Http2,
}

/// <summary>
/// The settings of an <c>http</c> check. Defaults: GET, no body, any 2xx status expected, redirects followed up to
/// 10 hops, bodies read up to 10 MiB, HTTP/1.1, a new connection per run, the first resolved address only.
/// </summary>
internal sealed record HttpSection : CheckSection
{
    /// <summary>The most redirects a check may allow.</summary>
    public const int MaxRedirectsLimit = 30;

    /// <summary>The default body cap: 10 MiB.</summary>
    public const long DefaultMaxBodyBytes = 10 * 1024 * 1024;

    /// <summary>The largest body cap: 256 MiB (a body is only kept in memory when a pattern must search it).</summary>
    public const long MaxBodyBytesLimit = 256 * 1024 * 1024;

    public static readonly HttpSection Default = new();

    private static readonly Dictionary<string, HttpVersionPreference> Versions = new(StringComparer.Ordinal)
    {
        ["1.1"] = HttpVersionPreference.Http11,
        ["2"] = HttpVersionPreference.Http2,
    };

    /// <summary>The request method, a token. Default GET, or POST when there is a body.</summary>
    public string Method { get; init; } = "GET";

    /// <summary>Request headers, sent as written (Content-Length and Transfer-Encoding are the client's own; see <see cref="Host"/>).</summary>
    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();

    /// <summary>
    /// The <c>Host</c> header the check sets, or null: a virtual host reached through the URL's address. It is sent
    /// instead of the URL's authority to the URL's host only (a redirect to another host gets that host's own), and,
    /// unless <c>tls.serverName</c> is set, its host part is the SNI name and the name the certificate must cover, as
    /// blackbox_exporter does (curl -H Host changes only the header; its --connect-to keeps both).
    /// </summary>
    public string? Host => Headers.FirstOrDefault(h => h.Key.Equals("Host", StringComparison.OrdinalIgnoreCase)).Value;

    /// <summary>The host part of <see cref="Host"/> (A-label form, or the address), or null.</summary>
    public string? HostName => Host is { } host ? HttpSectionRules.HostOfAuthority(host) : null;

    /// <summary>The request body (UTF-8), or null for none.</summary>
    public string? Body { get; init; }

    /// <summary>The statuses that pass; empty means any 2xx.</summary>
    public IReadOnlyList<StatusPattern> ExpectStatus { get; init; } = [];

    /// <summary>Whether redirects are followed (each hop is timed and recorded). Default true.</summary>
    public bool FollowRedirects { get; init; } = true;

    /// <summary>The most redirects followed before <c>http_too_many_redirects</c>. Default 10.</summary>
    public int MaxRedirects { get; init; } = 10;

    /// <summary>Patterns the (decoded) body must match.</summary>
    public IReadOnlyList<Regex> BodyMatches { get; init; } = [];

    /// <summary>Patterns the (decoded) body must not match.</summary>
    public IReadOnlyList<Regex> BodyNotMatches { get; init; } = [];

    /// <summary>Response headers that must be present with a value matching the pattern.</summary>
    public IReadOnlyList<HeaderPattern> HeaderMatches { get; init; } = [];

    /// <summary>Response headers that must not have a value matching the pattern (absent passes).</summary>
    public IReadOnlyList<HeaderPattern> HeaderNotMatches { get; init; } = [];

    /// <summary>The most body bytes read, on the wire and decoded; more is <c>http_body_too_large</c>. Default 10 MiB.</summary>
    public long MaxBodyBytes { get; init; } = DefaultMaxBodyBytes;

    /// <summary>The HTTP version asked for. Default 1.1.</summary>
    public HttpVersionPreference Version { get; init; } = HttpVersionPreference.Http11;

    /// <summary>Whether connections are kept between runs (warm numbers: no connect or TLS phase once connected).</summary>
    public bool ReuseConnection { get; init; }

    /// <summary>Which resolved addresses are probed and how their outcomes combine. Default: the first address.</summary>
    public AddressPolicy Addresses { get; init; } = AddressPolicy.First;

    /// <summary>Whether certificate verdicts only degrade the result instead of failing it (they are still reported).</summary>
    public bool Insecure { get; init; }

    /// <summary>
    /// An HTTP proxy (<c>http://host:port</c>), or null: plain-http requests are sent to it in absolute form, https
    /// (and h2c) connections are tunnelled through it with CONNECT.
    /// </summary>
    public Uri? Proxy { get; init; }

    /// <summary>The TLS client settings for https targets (caFile, client certificate, serverName, expiry threshold).</summary>
    public TlsSettings Tls { get; init; } = TlsSettings.Default;

    /// <summary>The header audit run after a passing exchange (<c>audit</c>), or null for none.</summary>
    public IHttpAudit? Audit { get; init; }

    /// <summary>Whether any body pattern needs the body kept in memory.</summary>
    public bool KeepsBody => BodyMatches.Count + BodyNotMatches.Count > 0;

    /// <summary>Whether <paramref name="status"/> passes.</summary>
    public bool Expects(int status) => ExpectStatus.Count == 0 ? status is >= 200 and < 300 : ExpectStatus.Any(p => p.Matches(status));

    /// <summary>The expected statuses as messages show them.</summary>
    public string DescribeExpected() => ExpectStatus.Count == 0 ? "2xx" : string.Join(", ", ExpectStatus);

    /// <summary>Reads an http section; <paramref name="readAudit"/> reads its <c>audit</c> object (the header audit's settings).</summary>
    public static CheckSection? Read(JsonObjectReader? reader, Func<JsonObjectReader, IHttpAudit> readAudit)
    {
        if (reader is null)
        {
            return Default;
        }

        var method = reader.String("method", maxLength: 32);
        if (method is not null && !HttpSectionRules.IsToken(method))
        {
            reader.Error("method", $"must be an HTTP method token such as GET, HEAD or POST, got \"{method}\"");
        }

        var body = reader.String("body", maxLength: 1024 * 1024);
        var section = new HttpSection
        {
            // A body without a method is a POST, as with curl -d.
            Method = method ?? (body is null ? "GET" : "POST"),
            Headers = HttpSectionRules.ReadHeaders(reader),
            Body = body,
            ExpectStatus = HttpSectionRules.ReadStatuses(reader),
            FollowRedirects = reader.Boolean("followRedirects") ?? true,
            MaxRedirects = reader.Integer("maxRedirects", 0, MaxRedirectsLimit) ?? 10,
            BodyMatches = HttpSectionRules.ReadPatterns(reader, "bodyMatches"),
            BodyNotMatches = HttpSectionRules.ReadPatterns(reader, "bodyNotMatches"),
            HeaderMatches = HttpSectionRules.ReadHeaderPatterns(reader, "headerMatches"),
            HeaderNotMatches = HttpSectionRules.ReadHeaderPatterns(reader, "headerNotMatches"),
            MaxBodyBytes = (long?)reader.Number("maxBodyBytes", 1, MaxBodyBytesLimit) ?? DefaultMaxBodyBytes,
            Version = reader.Choice("httpVersion", Versions) ?? HttpVersionPreference.Http11,
            ReuseConnection = reader.Boolean("reuseConnection") ?? false,
            Addresses = HttpSectionRules.ReadAddressPolicy(reader),
            Insecure = reader.Boolean("insecure") ?? false,
            Proxy = HttpSectionRules.ReadProxy(reader),
            Tls = reader.Object("tls") is { } tls ? ReadTls(tls) : TlsSettings.Default,
            Audit = reader.Object("audit") is { } audit ? readAudit(audit) : null,
        };

        if (section.Proxy is not null && section.Addresses.Mode != AddressMode.First)
        {
            reader.Error("addresses", "cannot be used with proxy: the proxy resolves the target's name and picks its address");
        }

        if (reader.Member("maxBodyBytes") is { ValueKind: System.Text.Json.JsonValueKind.Number } cap && !cap.TryGetInt64(out _))
        {
            reader.Error("maxBodyBytes", "must be a whole number of bytes");
        }

        reader.Complete();
        return section;
    }

    private static TlsSettings ReadTls(JsonObjectReader tls)
    {
        var settings = TlsSettings.ReadMembers(tls);
        tls.Complete();
        return settings;
    }
}

/// <summary>An expected status: one code (<c>200</c>) or a class (<c>"2xx"</c>).</summary>
/// <param name="Low">The lowest status that matches.</param>
/// <param name="High">The highest status that matches.</param>
internal readonly record struct StatusPattern(int Low, int High)
{
    public bool Matches(int status) => status >= Low && status <= High;

    public override string ToString() => Low == High ? Low.ToString(System.Globalization.CultureInfo.InvariantCulture) : $"{Low / 100}xx";
}

/// <summary>A response header name and a pattern one of its values must (or must not) match.</summary>
internal sealed record HeaderPattern(string Name, Regex Pattern);
