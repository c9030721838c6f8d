using Microsoft.Extensions.Configuration;
using Sentinel.Worker.Alerting;
using Sentinel.Worker.Checks;
using Sentinel.Worker.Metrics;
using Sentinel.Worker.Results;
using Sentinel.Worker.Scheduling;
using Sentinel.Worker.Storage;

namespace Sentinel.Worker.Hosting;

/// <summary>
/// Sentinel's configuration: defaults, then an optional JSON file (<c>--config</c>), then environment
/// variables (<c>SENTINEL__SECTION__KEY</c>), then command-line flags. Unknown keys under <c>Sentinel</c> are
/// errors, as unknown fields in check files are.
/// </summary>
internal static class SentinelConfiguration
{
    private static readonly string[] KnownKeys =
    [
        "Database", "LogFormat",
        Leaf(EmbeddedPostgresOptions.Section), Leaf(NodeOptions.Section), Leaf(HttpOptions.Section),
        Leaf(CheckFilesOptions.Section), Leaf(SchedulingOptions.Section), Leaf(ResultOptions.Section), Leaf(MetricsOptions.Section), Leaf(StorageOptions.Section),
        Leaf(Sentinel.Api.ApiOptions.Section), Leaf(Sentinel.Api.StatusPage.StatusPageOptions.Section),
        Leaf(AlertingOptions.Section),
    ];

    /// <summary>Builds the configuration; throws <see cref="ConfigurationException"/> with a one-line reason.</summary>
    public static IConfigurationRoot Build(string? configFile, IReadOnlyDictionary<string, string?> overrides)
    {
        var builder = new ConfigurationBuilder();
        if (configFile is not null)
        {
            var path = Path.GetFullPath(configFile);
            if (!File.Exists(path))
            {
                throw new ConfigurationException($"the configuration file {configFile} does not exist");
            }

            builder.AddJsonFile(path, optional: false, reloadOnChange: false);
        }

        builder.AddEnvironmentVariables();
        builder.AddInMemoryCollection(overrides);
        IConfigurationRoot configuration;
        try
        {
            configuration = builder.Build();
        }
        catch (Exception ex) when (ex is FormatException or InvalidDataException or IOException)
        {
            throw new ConfigurationException($"cannot read the configuration file {configFile}: {ex.Message}");
        }

        foreach (var child in configuration.GetSection("Sentinel").GetChildren())
        {
            if (!KnownKeys.Contains(child.Key, StringComparer.OrdinalIgnoreCase))
            {
                throw new ConfigurationException($"unknown setting Sentinel:{child.Key}; known: {string.Join(", ", KnownKeys.Select(k => "Sentinel:" + k))}");
            }
        }

        if (configuration[SentinelLogging.FormatKey] is { } format && format is not ("text" or "json"))
        {
            throw new ConfigurationException($"{SentinelLogging.FormatKey} must be text or json, got \"{format}\"");
        }

        return configuration;
    }

    private static string Leaf(string section) => section[(section.LastIndexOf(':') + 1)..];
}

/// <summary>The configuration is unusable; the message says why in one line.</summary>
internal sealed class ConfigurationException(string message) : Exception(message);
