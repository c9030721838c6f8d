using Sentinel.Probes.Checks;

namespace Sentinel.Probes.Audits;

/// <summary>
/// What the HSTS part of an audit requires. Defaults: on, max-age of at least 180 days, includeSubDomains and
/// preload not required, the plain-HTTP URL (the target's with http:// and port 80) checked for its redirect.
/// </summary>
internal sealed record HstsSettings
{
    /// <summary>The default minimum max-age: 180 days, below which <c>hsts.max_age_short</c>.</summary>
    public static readonly TimeSpan DefaultMinMaxAge = TimeSpan.FromDays(180);

    public static readonly HstsSettings Default = new();

    /// <summary>Whether HSTS is audited at all. Default true.</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>The lowest acceptable max-age. Default 180 days.</summary>
    public TimeSpan MinMaxAge { get; init; } = DefaultMinMaxAge;

    /// <summary>Whether includeSubDomains is required (<c>hsts.no_include_subdomains</c> otherwise). Default false.</summary>
    public bool IncludeSubDomains { get; init; }

    /// <summary>Whether preload readiness is required even when the header does not ask for it. Default false.</summary>
    public bool Preload { get; init; }

    /// <summary>
    /// Whether the plain-HTTP URL is requested, without the check's request headers, and its plain-HTTP redirects
    /// followed (at most 5) to check that they end on HTTPS. Default true.
    /// </summary>
    public bool HttpRedirect { get; init; } = true;

    /// <summary>The plain-HTTP URL to check; null means the target's URL with http:// and the default port 80.</summary>
    public Uri? HttpUrl { get; init; }

    /// <summary>The member names <see cref="Read"/> knows.</summary>
    public static IReadOnlyList<string> MemberNames { get; } = ["enabled", "minMaxAge", "includeSubDomains", "preload", "httpRedirect", "httpUrl"];

    public static HstsSettings Read(JsonObjectReader reader)
    {
        var settings = new HstsSettings
        {
            Enabled = reader.Boolean("enabled") ?? true,
            MinMaxAge = reader.Duration("minMaxAge", TimeSpan.FromSeconds(1), TimeSpan.FromDays(3650)) ?? DefaultMinMaxAge,
            IncludeSubDomains = reader.Boolean("includeSubDomains") ?? false,
            Preload = reader.Boolean("preload") ?? false,
            HttpRedirect = reader.Boolean("httpRedirect") ?? true,
            HttpUrl = ReadHttpUrl(reader),
        };

        if (settings.HttpUrl is not null && !settings.HttpRedirect)
        {
            reader.Error("httpUrl", "is set but httpRedirect is false, so it would not be requested");
        }

        reader.Complete();
        return settings;
    }

    private static Uri? ReadHttpUrl(JsonObjectReader reader)
    {
        var text = reader.String("httpUrl", maxLength: 2048);
        if (text is null)
        {
            return null;
        }

        if (!Uri.TryCreate(text, UriKind.Absolute, out var url) || url.Scheme != Uri.UriSchemeHttp || url.Host.Length == 0 || url.UserInfo.Length > 0)
        {
            reader.Error("httpUrl", $"expected a plain http:// URL (the one that must redirect to HTTPS), got \"{text}\"");
            return null;
        }

        return url;
    }

    /// <summary>The plain-HTTP URL for <paramref name="target"/>: the configured one, or the target with http:// on port 80.</summary>
    public Uri PlainUrlFor(Uri target) =>
        HttpUrl ?? new UriBuilder(target) { Scheme = Uri.UriSchemeHttp, Port = 80 }.Uri;
}
