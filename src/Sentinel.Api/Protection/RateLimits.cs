using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using Sentinel.Api.Problems;

namespace Sentinel.Api.Protection;

/// <summary>
/// Per-key rate limiting with ASP.NET Core's limiter: a token bucket per API key name (per client address for requests
/// without a key), <see cref="ApiOptions.Burst"/> deep and refilled at <see cref="ApiOptions.RequestsPerMinute"/>.
/// A refused request is answered 429 with <c>Retry-After</c> in seconds.
/// </summary>
internal static class RateLimits
{
    public const string Policy = "per-key";

    public static void Configure(RateLimiterOptions limiter, ApiOptions options)
    {
        var perSecond = Math.Max(1, (int)Math.Ceiling(options.RequestsPerMinute / 60.0));
        var period = TimeSpan.FromSeconds(perSecond * 60.0 / options.RequestsPerMinute);
        limiter.AddPolicy(Policy, context => RateLimitPartition.GetTokenBucketLimiter(
            context.User.Identity is { IsAuthenticated: true, Name: { } name } ? "key:" + name : "address:" + context.Connection.RemoteIpAddress,
            _ => new TokenBucketRateLimiterOptions
            {
                TokenLimit = options.Burst,
                TokensPerPeriod = perSecond,
                ReplenishmentPeriod = period,
                QueueLimit = 0,
                AutoReplenishment = true,
            }));
        limiter.OnRejected = async (rejected, cancellationToken) =>
        {
            var retryAfter = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : period;
            var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
            rejected.HttpContext.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            await ApiProblem.WriteAsync(rejected.HttpContext, StatusCodes.Status429TooManyRequests, ProblemTypes.RateLimited,
                $"too many requests from this key; retry after {seconds} s (at most {options.RequestsPerMinute} a minute, {options.Burst} at once)").ConfigureAwait(false);
        };
    }
}
