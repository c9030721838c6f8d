using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;
using Sentinel.Api.Endpoints;
using Sentinel.Probes;
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
    /// Builds the host for <paramref name="configuration"/> over the database at <paramref name="connectionString"/>;
    /// <paramref name="configure"/> may add to the composition (tests add a log sink).
    /// </summary>
    public static WebApplication Build(IConfiguration configuration, string connectionString, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ContentRootPath = Directory.GetCurrentDirectory(),
            EnvironmentName = "Production",
        });
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddConfiguration(configuration);
        SentinelLogging.Configure(builder.Logging, configuration["Sentinel:LogFormat"] ?? "text");

        var node = configuration.GetSection(NodeOptions.Section).Get<NodeOptions>() ?? new NodeOptions();
        var http = configuration.GetSection(HttpOptions.Section).Get<HttpOptions>() ?? new HttpOptions();
        var scheduling = configuration.GetSection(SchedulingOptions.Section).Get<SchedulingOptions>() ?? new SchedulingOptions();
        builder.WebHost.UseUrls(http.Listen);

        var services = builder.Services;
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(ProbeCatalog.Default);
        services.AddOptions<NodeOptions>().BindConfiguration(NodeOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<NodeOptions>, NodeOptionsValidator>();
        services.AddOptions<HttpOptions>().BindConfiguration(HttpOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<HttpOptions>, HttpOptionsValidator>();

        // Registration order is start order, and the reverse of stop order: the writer stops after the
        // scheduler so that it can flush the last results.
        services.AddSentinelStorage(connectionString);
        services.AddSentinelResults(writeToDatabase: node.RunsProbes);
        services.AddSentinelCheckFiles(sync: node.RunsProbes);
        if (node.RunsProbes)
        {
            services.AddSentinelScheduling(scheduling);
        }

        services.AddSentinelMetrics(node.Name, configuration.GetSection(MetricsOptions.Section).Get<MetricsOptions>() ?? new MetricsOptions(), ProbeCatalog.Default);
        configure?.Invoke(builder);

        var app = builder.Build();

        // Validate every option now, as the host would at start, so that a bad setting is one clear line
        // from the CLI rather than a "hosting failed to start" log with a stack trace.
        app.Services.GetService<IStartupValidator>()?.Validate();
        app.Services.GetRequiredService<CheckMetrics>();
        app.MapHealthApi();
        app.MapPrometheusScrapingEndpoint("/metrics");
        return app;
    }
}
