using DnsClient;
using DnsClient.Internal;

namespace Sentinel.Probes.Protocols.Dns;

/// <summary>
/// What DnsClient logs about one exchange, where it keeps nothing else. With its own TCP fallback off, DnsClient
/// reports a UDP answer with the TC flag and a short UDP reply it could not parse (512 bytes or less, or cut
/// off mid-record) as the same "truncated" error, keeping neither the reply nor its flags; only its log call
/// carries the parse failure, with the reply's bytes. So a logger is installed once (DnsClient reads its logger
/// factory when a client is built) and an <see cref="AsyncLocal{T}"/> scope ties each such call to the exchange
/// that made it, however many run at once. It records errors only; every other level stays disabled, so an
/// exchange that goes well pays nothing for it.
/// </summary>
internal static class DnsClientLog
{
    private static readonly AsyncLocal<Scope?> Current = new();
    private static readonly Lazy<bool> Installed = new(Install);

    /// <summary>Starts recording for the exchange that runs in this async flow; dispose to stop.</summary>
    public static Scope Begin()
    {
        _ = Installed.Value;
        var scope = new Scope();
        Current.Value = scope;
        return scope;
    }

    private static bool Install()
    {
        Logging.LoggerFactory = new Factory(Logging.LoggerFactory);
        return true;
    }

    /// <summary>What was logged during one exchange.</summary>
    internal sealed class Scope : IDisposable
    {
        /// <summary>The parse failure DnsClient turned into a "truncated" answer, with the reply's bytes.</summary>
        public DnsResponseParseException? ParseFailure { get; set; }

        public void Dispose()
        {
            if (Current.Value == this)
            {
                Current.Value = null;
            }
        }
    }

    private sealed class Factory(ILoggerFactory? inner) : ILoggerFactory
    {
        public ILogger CreateLogger(string categoryName) => new Logger(inner?.CreateLogger(categoryName));
    }

    private sealed class Logger(ILogger? inner) : ILogger
    {
        public bool IsEnabled(LogLevel logLevel) =>
            (logLevel >= LogLevel.Error && Current.Value is not null) || (inner?.IsEnabled(logLevel) ?? false);

        public void Log(LogLevel logLevel, int eventId, Exception exception, string message, params object[] args)
        {
            if (exception is DnsResponseParseException parse && Current.Value is { } scope)
            {
                scope.ParseFailure = parse;
            }

            if (inner?.IsEnabled(logLevel) == true)
            {
                inner.Log(logLevel, eventId, exception, message, args);
            }
        }
    }
}
