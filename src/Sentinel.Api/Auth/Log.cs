using Microsoft.Extensions.Logging;

namespace Sentinel.Api.Auth;

internal static partial class Log
{
    [LoggerMessage(5001, LogLevel.Warning, "A request used the revoked API key {Key}")]
    public static partial void RevokedKeyUsed(ILogger logger, string key);
}
