using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Sentinel.Api.Endpoints;
using Sentinel.Testing;
using Xunit;

namespace Sentinel.Api.Tests.Endpoints;

/// <summary>The health endpoints over real HTTP on loopback.</summary>
public sealed class HealthEndpointsTests
{
    [Fact]
    public async Task Healthz_AlwaysAlive()
    {
        await using var app = await StartAsync(new Readiness(false, "database not ready: connection refused"));

        var response = await app.Client.GetAsync("/healthz", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("""{"status":"alive","reason":null}""", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Readyz_NotReady_Answers503WithTheReason()
    {
        await using var app = await StartAsync(new Readiness(false, "database not ready: connection refused"));

        var response = await app.Client.GetAsync("/readyz", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("""{"status":"not ready","reason":"database not ready: connection refused"}""", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Readyz_Ready_Answers200()
    {
        await using var app = await StartAsync(new Readiness(true, "database reachable"));

        var response = await app.Client.GetAsync("/readyz", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("""{"status":"ready","reason":"database reachable"}""", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    private static async Task<RunningApp> StartAsync(Readiness readiness)
    {
        var url = $"http://127.0.0.1:{TcpPorts.Free()}";
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(url);
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<IReadinessProbe>(new FixedReadiness(readiness));
        var app = builder.Build();
        app.MapHealthApi();
        await app.StartAsync(TestContext.Current.CancellationToken);
        return new RunningApp(app, new HttpClient { BaseAddress = new Uri(url) });
    }

    /// <summary>Readiness as the node reports it; the worker's database-backed one is tested in the worker's tests.</summary>
    private sealed class FixedReadiness(Readiness readiness) : IReadinessProbe
    {
        public Task<Readiness> CheckAsync(CancellationToken cancellationToken) => Task.FromResult(readiness);
    }

    private sealed record RunningApp(WebApplication App, HttpClient Client) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            Client.Dispose();
            await App.StopAsync();
            await App.DisposeAsync();
        }
    }
}
