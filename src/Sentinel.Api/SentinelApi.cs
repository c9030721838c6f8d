using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Timeouts;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Sentinel.Api.Auth;
using Sentinel.Api.Endpoints;
using Sentinel.Api.Problems;
using Sentinel.Api.Protection;
using Sentinel.Api.StatusPage;
using Sentinel.Probes.Checks;

namespace Sentinel.Api;

/// <summary>
/// The API's composition: problem details for every error, API-key authentication with read and write scopes, per-key
/// rate limits, request timeouts, CORS only when origins are configured, security headers, the OpenAPI document, and
/// the <c>/v1</c> endpoints. The host supplies the store interfaces (<see cref="ICheckStore"/>, <see cref="ICheckRunner"/>,
/// <see cref="IApiKeyStore"/>, <see cref="IReadinessProbe"/>, <see cref="IEventFeed"/>, <see cref="IResultHistory"/>,
/// <see cref="IAlertStore"/>).
/// </summary>
public static class SentinelApi
{
    /// <summary>The OpenAPI document's name, and so its path: <c>/openapi/v1.json</c>.</summary>
    public const string DocumentName = "v1";

    private const string CorsPolicy = "configured-origins";

    /// <summary>Registers the API's services.</summary>
    public static IServiceCollection AddSentinelApi(this IServiceCollection services, ApiOptions options, StatusPageOptions? statusPage = null)
    {
        services.AddSingleton(Microsoft.Extensions.Options.Options.Create(options));
        services.AddSingleton(Microsoft.Extensions.Options.Options.Create(statusPage ?? new StatusPageOptions()));
        services.ConfigureHttpJsonOptions(json => json.SerializerOptions.TypeInfoResolverChain.Insert(0, ApiJsonContext.Default));
        services.AddProblemDetails(problems => problems.CustomizeProblemDetails = Customize);
        // The core alone: the full AddAuthentication brings data protection, which keys nothing here but would write
        // a key ring to the home directory.
        services.AddWebEncoders();
        services.AddAuthenticationCore(authentication =>
        {
            authentication.DefaultScheme = ApiKeyAuthentication.SchemeName;
            authentication.AddScheme<ApiKeyAuthentication>(ApiKeyAuthentication.SchemeName, null);
        });
        services.AddAuthorizationBuilder()
            .AddPolicy(ApiScopes.Read, policy => policy.RequireAuthenticatedUser().RequireClaim(ApiScopes.Claim, ApiScopes.Read))
            .AddPolicy(ApiScopes.Write, policy => policy.RequireAuthenticatedUser().RequireClaim(ApiScopes.Claim, ApiScopes.Write));
        services.AddRateLimiter(limiter => RateLimits.Configure(limiter, options));
        services.AddRequestTimeouts(timeouts =>
        {
            timeouts.DefaultPolicy = new RequestTimeoutPolicy { Timeout = options.RequestTimeout, TimeoutStatusCode = StatusCodes.Status504GatewayTimeout };
            timeouts.AddPolicy(CheckActionHandlers.RunTimeoutPolicy, new RequestTimeoutPolicy
            {
                Timeout = CheckLimits.MaxTimeout + TimeSpan.FromSeconds(30),
                TimeoutStatusCode = StatusCodes.Status504GatewayTimeout,
            });
        });
        if (options.CorsOrigins.Length > 0)
        {
            services.AddCors(cors => cors.AddPolicy(CorsPolicy, policy => policy
                .WithOrigins(options.CorsOrigins).WithMethods("GET", "POST", "PUT", "PATCH", "DELETE")
                .WithHeaders("Authorization", "Content-Type", "If-Match").WithExposedHeaders("ETag", "Location", "Link", "Retry-After")));
        }

        services.AddOpenApi(DocumentName, openApi => OpenApiDocument.Configure(openApi));
        return services;
    }

    /// <summary>
    /// Adds the API's middleware in order (errors as problems, security headers, routing, CORS, authentication,
    /// authorization, rate limits, timeouts) and maps the endpoints: <c>/healthz</c>, <c>/readyz</c>, <c>/openapi/v1.json</c>,
    /// <c>/v1</c> and, when enabled, the status page. Endpoints the host maps afterwards (<c>/metrics</c>) pass through the
    /// same middleware.
    /// </summary>
    public static WebApplication UseSentinelApi(this WebApplication app, ApiOptions options, StatusPageOptions? statusPage = null)
    {
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            StatusCodeSelector = ex => ex is BadHttpRequestException bad ? bad.StatusCode : StatusCodes.Status500InternalServerError,
        });
        app.UseStatusCodePages();
        app.Use(SecurityHeaders.AddAsync);
        app.UseRouting();
        if (options.CorsOrigins.Length > 0)
        {
            app.UseCors(CorsPolicy);
        }

        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();
        app.UseRequestTimeouts();

        var health = app.MapHealthApi();
        app.MapOpenApi("/openapi/{documentName}.json").RequireAuthorization(ApiScopes.Read).RequireRateLimiting(RateLimits.Policy);
        var v1 = app.MapGroup("/v1").RequireAuthorization(ApiScopes.Read).RequireRateLimiting(RateLimits.Policy);
        v1.MapChecksApi();
        v1.MapEventsApi();
        v1.MapAlertsApi();
        app.MapStatusPage(statusPage ?? new StatusPageOptions());
        if (!options.OpenOperationalEndpoints)
        {
            health.RequireAuthorization(ApiScopes.Read);
        }

        return app;
    }

    /// <summary>Protects an endpoint the host maps itself (<c>/metrics</c>) as the health endpoints are.</summary>
    public static TBuilder RequireKeyUnlessOpen<TBuilder>(this TBuilder builder, ApiOptions options)
        where TBuilder : IEndpointConventionBuilder =>
        options.OpenOperationalEndpoints ? builder : builder.RequireAuthorization(ApiScopes.Read);

    /// <summary>
    /// Gives every problem one of <see cref="ProblemTypes"/>: the framework's own (a 404 of routing, a 405, a 400 from
    /// Kestrel) get the type of their status, and a fault never shows more than that it happened.
    /// </summary>
    private static void Customize(ProblemDetailsContext context)
    {
        var problem = context.ProblemDetails;
        var status = problem.Status ?? context.HttpContext.Response.StatusCode;
        if (problem.Type is null || !problem.Type.StartsWith("urn:sentinel:", StringComparison.Ordinal))
        {
            problem.Type = ProblemTypes.ForStatus(status);
            problem.Title = ProblemTypes.Title(status);
            problem.Detail ??= DefaultDetail(context.HttpContext, status, context.Exception);
        }
    }

    private static string DefaultDetail(HttpContext context, int status, Exception? exception) => status switch
    {
        StatusCodes.Status404NotFound => $"no such path: {ApiProblem.Shorten(context.Request.Path.Value ?? "/")}",
        StatusCodes.Status405MethodNotAllowed => $"{context.Request.Method} is not allowed on {ApiProblem.Shorten(context.Request.Path.Value ?? "/")}",
        StatusCodes.Status413PayloadTooLarge => "the body is larger than this API accepts",
        StatusCodes.Status504GatewayTimeout => "the request took longer than the API's request timeout",
        >= 500 => "Sentinel failed to answer this request; the node's log has the details",
        _ when exception is BadHttpRequestException bad => bad.Message,
        _ => ProblemTypes.Title(status),
    };
}
