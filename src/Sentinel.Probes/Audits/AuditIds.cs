using Sentinel.Probes.Probing;

namespace Sentinel.Probes.Audits;

/// <summary>A finding id of the header audit with its default severity and what it means.</summary>
/// <param name="Id">The stable id, e.g. <c>hsts.max_age_short</c>.</param>
/// <param name="Severity">The default severity; some ids are raised to critical when the check allows credentials.</param>
/// <param name="Meaning">One line for the README.</param>
internal sealed record AuditId(string Id, FindingSeverity Severity, string Meaning);

/// <summary>
/// The fixed list of finding ids the header audit produces. Dashboards and alerts key on them, and
/// <c>sentinel_audit_findings{id}</c> has one series per id at most, so the list is closed: a new verdict is a new
/// id here, never a made-up string at the finding site.
/// </summary>
internal static class AuditIds
{
    public const string HstsMissing = "hsts.missing";
    public const string HstsInvalid = "hsts.invalid";
    public const string HstsMultipleHeaders = "hsts.multiple_headers";
    public const string HstsMaxAgeZero = "hsts.max_age_zero";
    public const string HstsMaxAgeShort = "hsts.max_age_short";
    public const string HstsNoIncludeSubDomains = "hsts.no_include_subdomains";
    public const string HstsPreloadReady = "hsts.preload_ready";
    public const string HstsPreloadNotReady = "hsts.preload_not_ready";
    public const string HstsOverHttp = "hsts.over_http";
    public const string HstsHttpNotRedirected = "hsts.http_not_redirected";
    public const string HstsHttpUnreachable = "hsts.http_unreachable";
    public const string CorsAllowedOriginRejected = "cors.allowed_origin_rejected";
    public const string CorsPreflightFailed = "cors.preflight_failed";
    public const string CorsWildcardWithCredentials = "cors.wildcard_with_credentials";
    public const string CorsReflectsAnyOrigin = "cors.reflects_any_origin";
    public const string CorsReflectsAnyOriginWithCredentials = "cors.reflects_any_origin_with_credentials";
    public const string CorsReflectsLookalikeOrigin = "cors.reflects_lookalike_origin";
    public const string CorsAllowsNullOrigin = "cors.allows_null_origin";
    public const string CorsMissingVaryOrigin = "cors.missing_vary_origin";
    public const string CorsCredentialsInvalid = "cors.credentials_invalid";
    public const string CorsMaxAgeExcessive = "cors.max_age_excessive";
    public const string NosniffMissing = "headers.nosniff_missing";
    public const string CspMissing = "headers.csp_missing";
    public const string FramingMissing = "headers.framing_missing";
    public const string ReferrerPolicyMissing = "headers.referrer_policy_missing";
    public const string CookieNotSecure = "cookies.not_secure";
    public const string CookieNotHttpOnly = "cookies.not_httponly";
    public const string CookieNoSameSite = "cookies.no_samesite";
    public const string PostureRegressed = "posture.regressed";

    private const FindingSeverity Info = FindingSeverity.Info;
    private const FindingSeverity Warning = FindingSeverity.Warning;
    private const FindingSeverity Critical = FindingSeverity.Critical;

    /// <summary>Every id in the order the README documents them.</summary>
    public static IReadOnlyList<AuditId> All { get; } =
    [
        new(HstsMissing, Warning, "An HTTPS response without Strict-Transport-Security: browsers may be downgraded to plain HTTP (SSL stripping)."),
        new(HstsInvalid, Warning, "The Strict-Transport-Security header does not parse under RFC 6797 (the message gives the reason), so browsers ignore it: the same as none."),
        new(HstsMultipleHeaders, Warning, "More than one Strict-Transport-Security field: browsers honour only the first (RFC 6797, 8.1), and a proxy joining them makes the header invalid."),
        new(HstsMaxAgeZero, Warning, "max-age=0: browsers delete the site's HSTS policy (meant only for turning HSTS off)."),
        new(HstsMaxAgeShort, Warning, "max-age is below the check's hsts.minMaxAge (default 180 days): the protection lapses between visits."),
        new(HstsNoIncludeSubDomains, Warning, "includeSubDomains is missing and the check requires it (hsts.includeSubDomains)."),
        new(HstsPreloadReady, Info, "The site passes hstspreload.org's checks as its own code makes them: a registrable domain (not a subdomain, by the Public Suffix List), a valid certificate, exactly one Strict-Transport-Security field that hstspreload reads as max-age of at least 31536000, includeSubDomains and preload, and plain HTTP redirecting to HTTPS on the same host first. The message names hstspreload's warnings, and says so when browsers ignore the header all the same (hsts.invalid)."),
        new(HstsPreloadNotReady, Warning, "The header asks for preloading (or the check requires it) but hstspreload.org would refuse the site, or one of its rules could not be checked (the plain-HTTP redirect, the name without a Public Suffix List); the message lists every reason, each with the hstspreload rule it stands for, e.g. [header.preloadable.max_age.below_1_year]."),
        new(HstsOverHttp, Info, "Strict-Transport-Security sent over plain HTTP, where browsers ignore it (RFC 6797, 8.1)."),
        new(HstsHttpNotRedirected, Warning, "The plain-HTTP URL does not lead to HTTPS: it answers, or its plain-HTTP redirects (up to 5 followed) end, loop or go on, without reaching HTTPS, so first visits and typed URLs stay on HTTP."),
        new(HstsHttpUnreachable, Info, "The plain-HTTP URL (or a plain-HTTP redirect after it) did not answer (nothing listening, filtered): its redirect could not be checked; hstspreload.org accepts a plain-HTTP URL that does not answer."),
        new(CorsAllowedOriginRejected, Critical, "An origin the check allows does not get access: no, another or several Access-Control-Allow-Origin values, or credentials without Access-Control-Allow-Credentials: true. The intended callers break."),
        new(CorsPreflightFailed, Critical, "A preflight (OPTIONS with Access-Control-Request-Method/-Headers) for an allowed origin fails: its status, or Access-Control-Allow-Origin, -Methods or -Headers not covering the request."),
        new(CorsWildcardWithCredentials, Warning, "Access-Control-Allow-Origin: * together with credentials, which browsers reject; critical when the check allows credentials, since its callers then break."),
        new(CorsReflectsAnyOrigin, Warning, "The server echoes a made-up origin (https://<random>.invalid) in Access-Control-Allow-Origin: any website can read its responses."),
        new(CorsReflectsAnyOriginWithCredentials, Critical, "The server echoes a made-up origin with Access-Control-Allow-Credentials: true: any website can read authenticated responses of a signed-in user."),
        new(CorsReflectsLookalikeOrigin, Warning, "The server grants an origin that merely starts with an allowed one (https://app.example.com.<random>.invalid): its origin check compares prefixes. Critical with credentials."),
        new(CorsAllowsNullOrigin, Warning, "The server grants the origin null, which any page can take (a sandboxed iframe, a data: URL). Critical with credentials."),
        new(CorsMissingVaryOrigin, Warning, "The CORS headers depend on the request's Origin but the response lacks Vary: Origin, so a cache can serve one origin's answer to another."),
        new(CorsCredentialsInvalid, Warning, "Access-Control-Allow-Credentials has a value other than exactly true (browsers compare it byte for byte); critical when the check allows credentials."),
        new(CorsMaxAgeExcessive, Warning, "Access-Control-Max-Age above the check's cors.maxAge (default 24 h): browsers cap it (Firefox 24 h, Chromium 2 h) and a tightened policy takes that long to reach them."),
        new(NosniffMissing, Warning, "No X-Content-Type-Options: nosniff (with securityHeaders nosniff): browsers may sniff a response into script or HTML."),
        new(CspMissing, Warning, "No Content-Security-Policy (with securityHeaders csp); a Report-Only policy alone enforces nothing."),
        new(FramingMissing, Warning, "Neither a CSP frame-ancestors directive nor X-Frame-Options DENY/SAMEORIGIN (with securityHeaders framing): any site can frame the page (clickjacking)."),
        new(ReferrerPolicyMissing, Warning, "No Referrer-Policy browsers understand, or unsafe-url (with securityHeaders referrerPolicy)."),
        new(CookieNotSecure, Warning, "A cookie set over HTTPS without Secure (with securityHeaders cookies): it is also sent over plain HTTP."),
        new(CookieNotHttpOnly, Warning, "A cookie set over HTTPS without HttpOnly (with securityHeaders cookies): scripts, and so injected scripts, can read it."),
        new(CookieNoSameSite, Warning, "A cookie set over HTTPS without a valid SameSite attribute (with securityHeaders cookies): its cross-site behaviour is left to browser defaults."),
        new(PostureRegressed, Warning, "The header posture is weaker than the check's baseline (the strongest seen since it was taken or accepted): HSTS max-age lowered, includeSubDomains or preload dropped, HSTS removed, CORS now reflecting origins or allowing null, a security header removed. Repeated on every run until restored, or accepted with sentinel audit accept."),
    ];

    private static readonly Dictionary<string, AuditId> ById = All.ToDictionary(i => i.Id, StringComparer.Ordinal);

    /// <summary>The id's entry; throws for an id not in the list (a bug at the finding site).</summary>
    public static AuditId Get(string id) => ById[id];

    /// <summary>Whether <paramref name="id"/> is one of the ids.</summary>
    public static bool IsKnown(string id) => ById.ContainsKey(id);
}
