using System.ComponentModel.DataAnnotations;

namespace Sentinel.Api;

/// <summary>The HTTP API (section <c>Sentinel:Api</c>).</summary>
public sealed class ApiOptions : IValidatableObject
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Sentinel:Api";

    /// <summary>
    /// Whether <c>/healthz</c>, <c>/readyz</c> and <c>/metrics</c> answer without an API key, as load balancers and
    /// Prometheus expect. Default true; false makes them need a key of scope <c>read</c>.
    /// </summary>
    public bool OpenOperationalEndpoints { get; set; } = true;

    /// <summary>The largest request body accepted, in bytes. Default 262,144 (256 KiB); 1,024 to 1,048,576.</summary>
    [Range(1024, 1024 * 1024, ErrorMessage = "Sentinel:Api:MaxBodyBytes must be from 1024 to 1048576")]
    public int MaxBodyBytes { get; set; } = 256 * 1024;

    /// <summary>
    /// How long a request may take before it is answered 504 (a check run through <c>/run</c> may take its own timeout
    /// instead). Default 30 s; 1 s to 10 min.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00", ErrorMessage = "Sentinel:Api:RequestTimeout must be from 00:00:01 to 00:10:00")]
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Requests per minute one API key (or, without a key, one client address) may send on average. Default 600;
    /// 1 to 1,000,000.
    /// </summary>
    [Range(1, 1_000_000, ErrorMessage = "Sentinel:Api:RequestsPerMinute must be from 1 to 1000000")]
    public int RequestsPerMinute { get; set; } = 600;

    /// <summary>How many requests one key may send at once before the average applies. Default 100; 1 to 100,000.</summary>
    [Range(1, 100_000, ErrorMessage = "Sentinel:Api:Burst must be from 1 to 100000")]
    public int Burst { get; set; } = 100;

    /// <summary>How often an idle event stream (<c>/v1/events</c>) sends a heartbeat. Default 15 s; 1 s to 5 min.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:05:00", ErrorMessage = "Sentinel:Api:EventHeartbeat must be from 00:00:01 to 00:05:00")]
    public TimeSpan EventHeartbeat { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// Origins (<c>https://dashboard.example.com</c>) whose browser pages may call the API. Default none: CORS is off and
    /// browsers keep other sites' pages from reading the API's answers.
    /// </summary>
    [MaxLength(64, ErrorMessage = "Sentinel:Api:CorsOrigins may list at most 64 origins")]
    public string[] CorsOrigins { get; set; } = [];

    /// <summary>Each CORS origin must be an origin as browsers send it: a scheme, a host and an optional port.</summary>
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var origin in CorsOrigins)
        {
            if (!Uri.TryCreate(origin, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")
                || origin.EndsWith('/') || uri.PathAndQuery != "/" || !string.IsNullOrEmpty(uri.UserInfo))
            {
                yield return new ValidationResult(
                    $"Sentinel:Api:CorsOrigins: \"{origin}\" is not an origin such as https://dash.example.com (scheme, host and port; no path, no wildcard)");
            }
        }
    }
}
