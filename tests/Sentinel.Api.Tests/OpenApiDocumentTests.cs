using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Sentinel.Testing;
using Xunit;

namespace Sentinel.Api.Tests;

/// <summary>The OpenAPI document at <c>/openapi/v1.json</c> describes exactly the endpoints the API maps, with their schemas.</summary>
[Collection(ApiHostTests.Name)]
public sealed class OpenApiDocumentTests(PostgresCluster postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Document_ListsEveryMappedApiEndpoint_AndNoOther()
    {
        await using var host = await ApiTestHost.StartAsync(postgres);
        using var document = await DocumentAsync(host);

        var documented = document.RootElement.GetProperty("paths").EnumerateObject()
            .SelectMany(path => path.Value.EnumerateObject().Select(operation => $"{operation.Name.ToUpperInvariant()} {path.Name}"))
            .Order(StringComparer.Ordinal).ToList();
        var mapped = host.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText!.StartsWith("/v1", StringComparison.Ordinal))
            .SelectMany(e => e.Metadata.GetMetadata<IHttpMethodMetadata>()!.HttpMethods.Select(m => $"{m} {Normalize(e.RoutePattern.RawText!)}"))
            .Order(StringComparer.Ordinal).ToList();

        Assert.NotEmpty(mapped);
        Assert.Equal(mapped, documented);
    }

    [Fact]
    public async Task Document_EveryOperationHasItsResponsesAndProblemsWithSchemas()
    {
        await using var host = await ApiTestHost.StartAsync(postgres);
        using var document = await DocumentAsync(host);
        var schemas = document.RootElement.GetProperty("components").GetProperty("schemas");

        foreach (var name in new[] { "CheckResource", "CheckPage", "CheckHistory", "CheckChange", "ProblemDetails", "CheckLatest", "CheckFailure", "HistoryRun", "ResultHistoryPage", "HistoryBucket", "CheckUptime", "AlertList", "AlertRecord" })
        {
            Assert.True(schemas.TryGetProperty(name, out _), $"no schema {name}");
        }

        foreach (var path in document.RootElement.GetProperty("paths").EnumerateObject())
        {
            foreach (var operation in path.Value.EnumerateObject())
            {
                var where = $"{operation.Name} {path.Name}";
                var responses = operation.Value.GetProperty("responses").EnumerateObject().ToList();
                Assert.Contains(responses, r => r.Name.StartsWith('2'));
                Assert.True(operation.Value.TryGetProperty("operationId", out _), $"{where} has no operationId");
                foreach (var error in responses.Where(r => r.Name.StartsWith('4') || r.Name.StartsWith('5')))
                {
                    Assert.True(error.Value.GetProperty("content").TryGetProperty("application/problem+json", out _), $"{where} {error.Name} is not a problem");
                }
            }
        }

        Assert.Equal("bearer", document.RootElement.GetProperty("components").GetProperty("securitySchemes").GetProperty("apiKey").GetProperty("scheme").GetString());
    }

    private static async Task<JsonDocument> DocumentAsync(ApiTestHost host)
    {
        var response = await host.Client(await host.CreateKeyAsync("reader", "read")).GetAsync("/openapi/v1.json", Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
    }

    /// <summary>Route patterns as OpenAPI writes paths: no trailing slash, parameters without constraints.</summary>
    private static string Normalize(string pattern) => pattern.Length > 1 ? pattern.TrimEnd('/') : pattern;
}
