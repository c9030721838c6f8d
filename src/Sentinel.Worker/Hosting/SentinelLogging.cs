using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace Sentinel.Worker.Hosting;

/// <summary>
/// Console logs: one line per event, UTC timestamps, as text (default) or JSON lines
/// (<c>Sentinel:LogFormat=json</c>). Expected failures are logged as messages, never with stack traces.
/// </summary>
internal static class SentinelLogging
{
    public static void Configure(ILoggingBuilder logging, string format)
    {
        logging.ClearProviders();
        if (format == "json")
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
    }

    /// <summary>A logger factory for the start-up work done before the host exists (the embedded database).</summary>
    public static ILoggerFactory CreateFactory(string format) => LoggerFactory.Create(logging => Configure(logging, format));
}
