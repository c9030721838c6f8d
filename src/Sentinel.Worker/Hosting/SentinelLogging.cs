using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace Sentinel.Worker.Hosting;

/// <summary>
/// Console logs: one line per event, UTC timestamps, as text (default) or JSON lines
/// (<c>Sentinel:LogFormat=json</c>). Expected failures are logged as messages, never with stack traces.
/// </summary>
internal static class SentinelLogging
{
    /// <summary>The key of the log format; <see cref="SentinelConfiguration"/> accepts only <c>text</c> and <c>json</c>.</summary>
    public const string FormatKey = "Sentinel:LogFormat";

    public static void Configure(ILoggingBuilder logging, IConfiguration configuration)
    {
        logging.ClearProviders();
        if (configuration[FormatKey] == "json")
        {
            logging.AddJsonConsole(json =>
            {
                json.UseUtcTimestamp = true;
                json.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
            });
        }
        else
        {
            logging.AddSimpleConsole(text =>
            {
                text.SingleLine = true;
                text.UseUtcTimestamp = true;
                text.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
                text.ColorBehavior = LoggerColorBehavior.Disabled;
            });
        }

        logging.SetMinimumLevel(LogLevel.Information);
        logging.AddFilter("Microsoft", LogLevel.Warning);
        logging.AddFilter("System", LogLevel.Warning);
        logging.AddFilter("Quartz", LogLevel.Warning);
        logging.AddFilter("Npgsql", LogLevel.Warning);
        logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Information);

        // A service that cannot start (the embedded cluster without a PostgreSQL install, say) fails the start, and
        // 'sentinel run' reports it in one line; the host's own error log would repeat it with a stack trace. A
        // background service that crashes later is still logged, critically, as the host stops for it.
        logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.Critical);
    }

    /// <summary>A logger factory for commands that have no host, configured as the daemon's logging is.</summary>
    public static ILoggerFactory CreateFactory(IConfiguration configuration) => LoggerFactory.Create(logging => Configure(logging, configuration));
}
