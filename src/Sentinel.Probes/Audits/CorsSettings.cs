using Sentinel.Probes.Checks;
using Sentinel.Probes.Protocols.Http;

namespace Sentinel.Probes.Audits;

/// <summary>
/// The CORS policy a check expects: the origins that must get access, and optionally the methods, request headers
/// and credentials they use. Whatever is configured, the audit also tries a made-up hostile origin and <c>null</c>.
/// </summary>
internal sealed record CorsSettings
{
    public const int MaxOrigins = 8;
    public const int MaxMethods = 8;
    public const int MaxHeaders = 16;

    /// <summary>The most preflights one run sends (origins × non-simple methods).</summary>
    public const int MaxPreflights = 16;

    /// <summary>The default largest acceptable Access-Control-Max-Age: 24 h, the most any browser honours (Firefox).</summary>
    public static readonly TimeSpan DefaultMaxAge = TimeSpan.FromHours(24);

    public static readonly CorsSettings Default = new();

    // Fetch standard: the CORS-safelisted methods, and the request headers a page may set without a preflight
    // (Content-Type only with three form types, so it is treated as needing one, as for application/json).
    private static readonly HashSet<string> SimpleMethods = new(StringComparer.Ordinal) { "GET", "HEAD", "POST" };
    private static readonly HashSet<string> SafelistedHeaders = new(StringComparer.OrdinalIgnoreCase) { "accept", "accept-language", "content-language" };

    // Fetch standard: methods a page cannot send, and the methods fetch() upper-cases (PATCH is not one of them:
    // fetch(url, { method: "patch" }) sends "patch", which an Access-Control-Allow-Methods of PATCH does not allow).
    private static readonly HashSet<string> ForbiddenMethods = new(StringComparer.OrdinalIgnoreCase) { "CONNECT", "TRACE", "TRACK" };
    private static readonly HashSet<string> NormalisedMethods = new(StringComparer.OrdinalIgnoreCase) { "DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT" };

    // Fetch standard: forbidden request-header names, which a page cannot set (credentials: true covers cookies).
    private static readonly HashSet<string> ForbiddenHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "accept-charset", "accept-encoding", "access-control-request-headers", "access-control-request-method", "connection",
        "content-length", "cookie", "cookie2", "date", "dnt", "expect", "host", "keep-alive", "origin", "referer", "set-cookie",
        "te", "trailer", "transfer-encoding", "upgrade", "via",
    };

    /// <summary>Whether CORS is audited at all. Default true.</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>Origins (<c>https://app.example.com</c>) that must get access, as browsers serialise them.</summary>
    public IReadOnlyList<string> Origins { get; init; } = [];

    /// <summary>Methods the allowed origins use; non-simple ones are preflighted.</summary>
    public IReadOnlyList<string> Methods { get; init; } = [];

    /// <summary>Request headers the allowed origins send, lower-cased; non-safelisted ones are preflighted.</summary>
    public IReadOnlyList<string> Headers { get; init; } = [];

    /// <summary>Whether the allowed origins send credentials (cookies, Authorization). Default false.</summary>
    public bool Credentials { get; init; }

    /// <summary>The largest acceptable Access-Control-Max-Age. Default 24 h.</summary>
    public TimeSpan MaxAge { get; init; } = DefaultMaxAge;

    /// <summary>The methods that need a preflight.</summary>
    public IReadOnlyList<string> PreflightMethods =>
        Methods.Where(m => !SimpleMethods.Contains(m)).ToList() is { Count: > 0 } methods ? methods
        : PreflightHeaders.Count > 0 ? [Methods.Count > 0 ? Methods[0] : "GET"]
        : [];

    /// <summary>The configured headers that need a preflight, lower-cased and sorted as browsers send them.</summary>
    public IReadOnlyList<string> PreflightHeaders => Headers.Where(h => !SafelistedHeaders.Contains(h)).Order(StringComparer.Ordinal).ToList();

    /// <summary>The member names <see cref="Read"/> knows.</summary>
    public static IReadOnlyList<string> MemberNames { get; } = ["enabled", "origins", "methods", "headers", "credentials", "maxAge"];

    public static CorsSettings Read(JsonObjectReader reader)
    {
        var settings = new CorsSettings
        {
            Enabled = reader.Boolean("enabled") ?? true,
            Origins = ReadOrigins(reader),
            Methods = ReadMethods(reader),
            Headers = ReadHeaders(reader),
            Credentials = reader.Boolean("credentials") ?? false,
            MaxAge = reader.Duration("maxAge", TimeSpan.FromSeconds(1), TimeSpan.FromDays(365)) ?? DefaultMaxAge,
        };

        var preflights = settings.Origins.Count * settings.PreflightMethods.Count;
        if (preflights > MaxPreflights)
        {
            reader.Error("methods", $"would need {preflights} preflights per run ({settings.Origins.Count} origins × {settings.PreflightMethods.Count} methods); at most {MaxPreflights}: split the check");
        }

        if (settings.Origins.Count == 0 && (settings.Methods.Count > 0 || settings.Headers.Count > 0 || settings.Credentials))
        {
            reader.Error("origins", "is required with methods, headers or credentials: they describe what the allowed origins send");
        }

        reader.Complete();
        return settings;
    }

    private static List<string> ReadOrigins(JsonObjectReader reader)
    {
        var origins = new List<string>();
        foreach (var (text, path) in Items(reader, "origins", MaxOrigins))
        {
            if (text == "null")
            {
                reader.ErrorAt(path, "null cannot be an allowed origin: any page can take it (a sandboxed iframe, a data: URL); the audit checks that it is refused");
            }
            else if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps) || uri.Host.Length == 0 || uri.UserInfo.Length > 0)
            {
                reader.ErrorAt(path, $"expected an origin such as \"https://app.example.com\" (scheme, host and an optional port), got \"{text}\"");
            }
            else if (Serialise(uri) is var serialised && serialised != text)
            {
                // Browsers send the serialised origin (RFC 6454, 6.1) and compare Access-Control-Allow-Origin with it byte for byte.
                reader.ErrorAt(path, $"write the origin as browsers send it, \"{serialised}\" (no path, lower-case host, no default port), got \"{text}\"");
            }
            else if (origins.Contains(text))
            {
                reader.ErrorAt(path, $"\"{text}\" is listed twice");
            }
            else
            {
                origins.Add(text);
            }
        }

        return origins;
    }

    private static List<string> ReadMethods(JsonObjectReader reader)
    {
        var methods = new List<string>();
        foreach (var (text, path) in Items(reader, "methods", MaxMethods))
        {
            if (!HttpSectionRules.IsToken(text))
            {
                reader.ErrorAt(path, $"expected an HTTP method such as PUT or DELETE, got \"{text}\"");
            }
            else if (ForbiddenMethods.Contains(text))
            {
                reader.ErrorAt(path, $"browsers never send {text.ToUpperInvariant()} from a page (a forbidden method)");
            }
            else
            {
                var method = NormalisedMethods.Contains(text) ? text.ToUpperInvariant() : text;
                if (!methods.Contains(method))
                {
                    methods.Add(method);
                }
            }
        }

        return methods;
    }

    private static List<string> ReadHeaders(JsonObjectReader reader)
    {
        var headers = new List<string>();
        foreach (var (text, path) in Items(reader, "headers", MaxHeaders))
        {
            if (!HttpSectionRules.IsToken(text))
            {
                reader.ErrorAt(path, $"expected a header name, got \"{text}\"");
            }
            else if (ForbiddenHeaders.Contains(text) || text.StartsWith("proxy-", StringComparison.OrdinalIgnoreCase) || text.StartsWith("sec-", StringComparison.OrdinalIgnoreCase))
            {
                reader.ErrorAt(path, $"browsers do not let pages set {text} (a forbidden header name){(text.Equals("cookie", StringComparison.OrdinalIgnoreCase) ? "; \"credentials\": true covers cookies" : "")}");
            }
            else if (!headers.Contains(text.ToLowerInvariant()))
            {
                headers.Add(text.ToLowerInvariant());
            }
        }

        return headers;
    }

    private static IEnumerable<(string Text, string Path)> Items(JsonObjectReader reader, string name, int max)
    {
        foreach (var (item, path) in reader.Array(name, max) ?? [])
        {
            if (item.ValueKind != System.Text.Json.JsonValueKind.String || item.GetString() is not { Length: > 0 and <= 256 } text)
            {
                reader.ErrorAt(path, $"expected a non-empty string of at most 256 characters, got {JsonObjectReader.Describe(item)}");
                continue;
            }

            yield return (text, path);
        }
    }

    /// <summary>RFC 6454, 6.1: scheme "://" host [ ":" port ], the port only when it is not the scheme's default.</summary>
    private static string Serialise(Uri uri) =>
        $"{uri.Scheme}://{(uri.HostNameType == UriHostNameType.IPv6 ? uri.Host : uri.IdnHost)}{(uri.IsDefaultPort ? "" : ":" + uri.Port.ToString(System.Globalization.CultureInfo.InvariantCulture))}";
}
