using Microsoft.AspNetCore.Http;
using Sentinel.Testing;

namespace Sentinel.Probes.Tests.Audits;

/// <summary>
/// How a test server answers CORS requests, written the way applications get it right or wrong: an allow-list
/// compared exactly (the default), by prefix, echoing any origin, allowing null, answering *; with or without
/// credentials, Vary: Origin and a preflight that answers what it should. The default is a correct policy for
/// <see cref="App"/> with credentials, PUT and the headers content-type and x-requested-with.
/// </summary>
internal sealed record CorsServerPolicy
{
    public const string App = "https://app.example.com";

    public IReadOnlyList<string> Allowed { get; init; } = [App];

    public bool Credentials { get; init; } = true;

    public string CredentialsValue { get; init; } = "true";

    public bool Vary { get; init; } = true;

    public bool ReflectAny { get; init; }

    public bool PrefixMatch { get; init; }

    public bool AllowNull { get; init; }

    public bool Wildcard { get; init; }

    public int PreflightStatus { get; init; } = 204;

    public string? AllowMethods { get; init; } = "GET, POST, PUT";

    public string? AllowHeaders { get; init; } = "content-type, x-requested-with";

    public string? MaxAge { get; init; } = "600";

    /// <summary>Whether preflights must carry no credentials to pass (authentication on OPTIONS is a bug).</summary>
    public bool PreflightNeedsCookie { get; init; }

    public void Respond(HttpContext context)
    {
        var request = context.Request;
        var origin = request.Headers.Origin.ToString();
        var preflight = request.Method == "OPTIONS" && request.Headers.ContainsKey("Access-Control-Request-Method");
        var granted = origin.Length > 0 && (ReflectAny || Allowed.Contains(origin)
            || (PrefixMatch && Allowed.Any(a => origin.StartsWith(a, StringComparison.Ordinal)))
            || (AllowNull && origin == "null"));
        if (Vary)
        {
            HeaderServer.Add(context, "Vary", "Origin");
        }

        if (Wildcard)
        {
            HeaderServer.Add(context, "Access-Control-Allow-Origin", "*");
            if (Credentials)
            {
                HeaderServer.Add(context, "Access-Control-Allow-Credentials", CredentialsValue);
            }
        }
        else if (granted)
        {
            HeaderServer.Add(context, "Access-Control-Allow-Origin", origin);
            if (Credentials)
            {
                HeaderServer.Add(context, "Access-Control-Allow-Credentials", CredentialsValue);
            }
        }

        if (!preflight)
        {
            return;
        }

        context.Response.StatusCode = PreflightNeedsCookie && !request.Headers.ContainsKey("Cookie") ? 401 : PreflightStatus;
        if (granted || Wildcard)
        {
            Add(context, "Access-Control-Allow-Methods", AllowMethods);
            Add(context, "Access-Control-Allow-Headers", AllowHeaders);
            Add(context, "Access-Control-Max-Age", MaxAge);
        }
    }

    private static void Add(HttpContext context, string name, string? value)
    {
        if (value is not null)
        {
            HeaderServer.Add(context, name, value);
        }
    }
}
