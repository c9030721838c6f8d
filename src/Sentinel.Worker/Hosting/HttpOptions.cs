using System.ComponentModel.DataAnnotations;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Sentinel.Worker.Hosting;

/// <summary>The HTTP endpoint (section <c>Sentinel:Http</c>).</summary>
internal sealed class HttpOptions : IValidatableObject
{
    public const string Section = "Sentinel:Http";

    /// <summary>
    /// Where <c>/metrics</c>, <c>/healthz</c>, <c>/readyz</c> and the API listen. Default <c>http://127.0.0.1:8080</c>;
    /// an <c>https://</c> URL needs <see cref="CertificateFile"/> and <see cref="KeyFile"/>.
    /// </summary>
    [Required(ErrorMessage = "Sentinel:Http:Listen must be a URL such as http://127.0.0.1:8080")]
    [RegularExpression(@"^https?://[^/\s]+:\d{1,5}/?$", ErrorMessage = "Sentinel:Http:Listen must be a URL such as http://127.0.0.1:8080")]
    public string Listen { get; set; } = "http://127.0.0.1:8080";

    /// <summary>The server certificate (PEM, the leaf first, then its intermediates) for an <c>https://</c> listen URL.</summary>
    public string? CertificateFile { get; set; }

    /// <summary>The certificate's private key (PEM, unencrypted).</summary>
    public string? KeyFile { get; set; }

    private bool Https => Listen.StartsWith("https://", StringComparison.OrdinalIgnoreCase);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Https && (CertificateFile is null || KeyFile is null))
        {
            yield return new ValidationResult("Sentinel:Http:CertificateFile and Sentinel:Http:KeyFile must be set to listen on https://");
        }

        foreach (var (name, path) in new[] { ("CertificateFile", CertificateFile), ("KeyFile", KeyFile) })
        {
            if (path is not null && !File.Exists(path))
            {
                yield return new ValidationResult($"Sentinel:Http:{name} {path} does not exist");
            }
        }
    }

    /// <summary>Gives Kestrel the certificate when the listen URL is https.</summary>
    public void ConfigureHttps(KestrelServerOptions kestrel)
    {
        if (Https && CertificateFile is not null && KeyFile is not null)
        {
            var certificate = X509Certificate2.CreateFromPemFile(CertificateFile, KeyFile);
            var chain = new X509Certificate2Collection();
            chain.ImportFromPemFile(CertificateFile);
            kestrel.ConfigureHttpsDefaults(https =>
            {
                https.ServerCertificate = certificate;

                // The intermediates of the file are sent with the leaf, so that clients can build the chain.
                https.ServerCertificateChain = chain;
            });
        }
    }
}
