using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Sentinel.Api;

/// <summary>The OpenAPI document's own parts: its title, and the bearer key every <c>/v1</c> endpoint needs.</summary>
internal static class OpenApiDocument
{
    private const string Scheme = "apiKey";

    public static void Configure(OpenApiOptions options) => options.AddDocumentTransformer((document, _, _) =>
    {
        document.Info = new OpenApiInfo
        {
            Title = "Sentinel API",
            Version = "v1",
            Description = "Manage Sentinel's checks. Errors are RFC 9457 problem details; every request needs Authorization: Bearer <API key> (sentinel apikey create).",
        };
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes[Scheme] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            Description = "An API key of scope read (reads) or write (everything), as 'sentinel apikey create' prints it.",
        };
        document.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(Scheme, document)] = [] }];
        return Task.CompletedTask;
    });
}
