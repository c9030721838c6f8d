using System.ComponentModel.DataAnnotations;

namespace Sentinel.Worker.Hosting;

/// <summary>The HTTP endpoint (section <c>Sentinel:Http</c>).</summary>
internal sealed class HttpOptions
{
    public const string Section = "Sentinel:Http";

    /// <summary>Where <c>/metrics</c>, <c>/healthz</c>, <c>/readyz</c> and the API listen. Default <c>http://127.0.0.1:8080</c>.</summary>
    [Required(ErrorMessage = "Sentinel:Http:Listen must be a URL such as http://127.0.0.1:8080")]
    [RegularExpression(@"^https?://[^/\s]+:\d{1,5}/?$", ErrorMessage = "Sentinel:Http:Listen must be a URL such as http://127.0.0.1:8080")]
    public string Listen { get; set; } = "http://127.0.0.1:8080";
}
