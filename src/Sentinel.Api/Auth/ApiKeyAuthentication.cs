using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Sentinel.Api.Problems;

namespace Sentinel.Api.Auth;

/// <summary>
/// <c>Authorization: Bearer sntl_…</c> (RFC 6750): looks the key's id up in <see cref="IApiKeyStore"/> and compares
/// the secret's hash in constant time. A missing, malformed, unknown or revoked key is answered 401 with
/// <c>WWW-Authenticate</c>; too small a scope 403 with <c>error="insufficient_scope"</c>. The key itself is never
/// logged nor echoed: only the key's name, once it is known.
/// </summary>
internal sealed class ApiKeyAuthentication(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory loggers, UrlEncoder encoder, IApiKeyStore keys)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, loggers, encoder)
{
    public const string SchemeName = "ApiKey";

    private const string Realm = "sentinel";

    private string? _failure;

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization;
        if (header.Count == 0)
        {
            return AuthenticateResult.NoResult();
        }

        if (header.Count > 1 || header[0] is not { } value || !value.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return Fail("the Authorization header must be \"Bearer\" and an API key");
        }

        if (!ApiKeys.TryParse(value["Bearer ".Length..].Trim(), out var id, out var secret))
        {
            return Fail("the bearer token is not a Sentinel API key (sntl_…)");
        }

        var stored = await keys.FindAsync(id, Context.RequestAborted).ConfigureAwait(false);

        // Compared even when no key has the id, against a hash of nothing, so that an unknown id takes as long.
        var matches = ApiKeys.Matches(secret, stored?.SecretHash ?? NoKey);
        if (stored is null || !matches)
        {
            return Fail("the API key is not known");
        }

        if (stored.Revoked)
        {
            Log.RevokedKeyUsed(Logger, stored.Name);
            return Fail($"the API key \"{stored.Name}\" has been revoked");
        }

        var claims = new List<Claim> { new(ClaimTypes.Name, stored.Name) };
        claims.Add(new Claim(ApiScopes.Claim, ApiScopes.Read));
        if (stored.Scope == ApiScopes.Write)
        {
            claims.Add(new Claim(ApiScopes.Claim, ApiScopes.Write));
        }

        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName)), SchemeName));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        // RFC 6750, 3: no error code when the request had no credentials; invalid_token when it had bad ones.
        Response.Headers.WWWAuthenticate = _failure is null
            ? $"Bearer realm=\"{Realm}\""
            : $"Bearer realm=\"{Realm}\", error=\"invalid_token\"";
        return ApiProblem.WriteAsync(Context, StatusCodes.Status401Unauthorized, ProblemTypes.Unauthorized,
            _failure ?? "this endpoint needs an API key: send Authorization: Bearer <key> (create one with 'sentinel apikey create')");
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        Response.Headers.WWWAuthenticate = $"Bearer realm=\"{Realm}\", error=\"insufficient_scope\", scope=\"{ApiScopes.Write}\"";
        return ApiProblem.WriteAsync(Context, StatusCodes.Status403Forbidden, ProblemTypes.Forbidden,
            $"the API key \"{Context.User.Identity?.Name}\" has scope read; this endpoint needs a key of scope write");
    }

    private AuthenticateResult Fail(string reason)
    {
        _failure = reason;
        return AuthenticateResult.Fail(reason);
    }

    private static readonly byte[] NoKey = new byte[32];
}
