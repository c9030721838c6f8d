using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Sentinel.Api;
using Sentinel.Api.Endpoints;
using Sentinel.Api.StatusPage;
using Sentinel.Probes;
using Sentinel.Worker.Alerting;
using Sentinel.Worker.Checks;
using Sentinel.Worker.Metrics;
using Sentinel.Worker.Results;
using Sentinel.Worker.Scheduling;
using Sentinel.Worker.Storage;

namespace Sentinel.Worker.Hosting;

/// <summary>The <c>sentinel run</c> process: one ASP.NET Core host whose parts are selected by the node's role.</summary>
internal static class SentinelHost
{
    /// <summary>
    /// Builds the host for <paramref name="configuration"/>, over the database it names or the embedded cluster, which
    /// the host starts and stops; <paramref name="configure"/> may add to the composition (tests add a log sink). Every
    /// setting is bound and validated as the composition reaches it (<see cref="ValidatedOptions"/>), so a bad one is
    /// an exception here, not a host that fails to start.
    /// </summary>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">A setting is invalid.</exception>
    public static WebApplication Build(IConfiguration configuration, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ContentRootPath = Directory.GetCurrentDirectory(),
            EnvironmentName = "Production",
        });
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddConfiguration(configuration);
        SentinelLogging.Configure(builder.Logging, configuration);

        var services = builder.Services;
        var node = services.AddValidatedOptions<NodeOptions, NodeOptionsValidator>(configuration, NodeOptions.Section);
        var http = services.AddValidatedOptions<HttpOptions, HttpOptionsValidator>(configuration, HttpOptions.Section);
        var api = ValidatedOptions.Bind<ApiOptions, ApiOptionsValidator>(configuration, ApiOptions.Section);
        var statusPage = ValidatedOptions.Bind<StatusPageOptions, StatusPageOptionsValidator>(configuration, StatusPageOptions.Section);

        // Every role reads these: the reconcile interval paces the metrics view as well as the scheduler.
        var scheduling = services.AddValidatedOptions<SchedulingOptions, SchedulingOptionsValidator>(configuration, SchedulingOptions.Section);
        builder.WebHost.UseUrls(http.Listen);
        builder.WebHost.UseKestrelHttpsConfiguration();
        builder.WebHost.ConfigureKestrel(kestrel => http.ConfigureHttps(kestrel));
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(ProbeCatalog.Default);

        // Registration order is start order, and the reverse of stop order: the writer stops after the
        // scheduler so that it can flush the last results, and the database stops after both.
        var database = DatabaseConnection.Create(configuration, DatabaseUse.Daemon);
        services.AddSentinelStorage(database);
        services.AddSentinelAlerting(configuration, evaluate: node.RunsProbes);
        services.AddSentinelResults(configuration, database, writeToDatabase: node.RunsProbes, othersRunChecks: node.Role != "all");
        services.AddSentinelHistory(configuration, maintain: node.RunsProbes);
        services.AddSentinelCheckFiles(configuration, sync: node.RunsProbes);
        if (node.RunsProbes)
        {
            services.AddSentinelScheduling(scheduling, database, node.Clustered);
        }

        services.AddSentinelMetrics(configuration);
        services.AddSingleton<ICheckRunner, OnDemandRuns>();
        services.AddSentinelApi(api, statusPage);
        configure?.Invoke(builder);

        var app = builder.Build();
        app.Services.GetRequiredService<NodeMetrics>();

        // Built now, so that its window holds events from the start, not from the first client's.
        app.Services.GetRequiredService<IEventFeed>();
        app.UseSentinelApi(api, statusPage);
        app.MapSentinelMetrics().RequireKeyUnlessOpen(api);
        return app;
    }
}
