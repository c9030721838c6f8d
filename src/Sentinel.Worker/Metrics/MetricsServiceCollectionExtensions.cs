using System.Diagnostics.Metrics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using Sentinel.Probes.Probing;
using Sentinel.Worker.Hosting;

namespace Sentinel.Worker.Metrics;

internal static class MetricsServiceCollectionExtensions
{
    /// <summary>The meter every Sentinel instrument belongs to.</summary>
    public const string MeterName = "Sentinel";

    /// <summary>
    /// Registers Sentinel's instruments and the OpenTelemetry Prometheus exporter. OpenTelemetry reserves room for
    /// a fixed number of series per metric up front (about 94 bytes each; its default is 2,000), so each metric
    /// gets room for <see cref="MetricsOptions.MaxChecks"/> checks times the series one check can have in it:
    /// enough for the fleet, without reserving gigabytes for series that cannot exist.
    /// </summary>
    public static IServiceCollection AddSentinelMetrics(this IServiceCollection services, IConfiguration configuration, string nodeName, ProbeTypes catalog)
    {
        var options = services.AddValidatedOptions<MetricsOptions, MetricsOptionsValidator>(configuration, MetricsOptions.Section);
        services.AddSingleton(sp => sp.GetRequiredService<IMeterFactory>().Create(MeterName));
        services.AddSingleton<CheckMetrics>();
        var perCheck = CheckMetrics.SeriesPerCheck
            .Concat(catalog.Metrics.Select(m => KeyValuePair.Create(m.Name, m.SeriesPerCheck)))
            .GroupBy(p => p.Key, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Max(p => p.Value), StringComparer.Ordinal);
        services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("sentinel", serviceInstanceId: nodeName))
            .WithMetrics(metrics => metrics
                .AddMeter(MeterName)
                .AddView(instrument => instrument.Meter.Name == MeterName
                    ? new MetricStreamConfiguration { CardinalityLimit = Limit(perCheck.GetValueOrDefault(instrument.Name), options.MaxChecks) }
                    : null)
                .AddPrometheusExporter(exporter => exporter.ScrapeResponseCacheDurationMilliseconds = 0));
        return services;
    }

    /// <summary>Room for <paramref name="maxChecks"/> checks, never below OpenTelemetry's default; node-level metrics keep the default.</summary>
    internal static int Limit(int seriesPerCheck, int maxChecks) =>
        (int)Math.Clamp((long)seriesPerCheck * maxChecks + 100, 2_000, int.MaxValue);
}
