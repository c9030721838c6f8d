using Microsoft.AspNetCore.Http;

namespace Sentinel.Api.Protection;

/// <summary>
/// Headers on every answer, so that Sentinel's own API passes Sentinel's own header audit: the API serves JSON, never
/// a page, so nothing may frame it, sniff it into HTML, run scripts in it or learn where a link came from. Over HTTPS,
/// HSTS for a year with subdomains (RFC 6797); over plain HTTP browsers ignore it, so it is not sent.
/// </summary>
internal static class SecurityHeaders
{
    /// <summary>One year, the max-age the HSTS preload list asks for.</summary>
    public const string Hsts = "max-age=31536000; includeSubDomains";

    public static Task AddAsync(HttpContext context, Func<Task> next)
    {
        var headers = context.Response.Headers;
        headers.XContentTypeOptions = "nosniff";
        headers.ContentSecurityPolicy = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "no-referrer";
        headers["Cross-Origin-Resource-Policy"] = "same-origin";
        headers.CacheControl = "no-store";
        if (context.Request.IsHttps)
        {
            headers.StrictTransportSecurity = Hsts;
        }

        return next();
    }
}
