using Sentinel.Testing;

namespace Sentinel.Probes.Tests.Tls;

/// <summary>
/// The PKI the TLS tests share (generating RSA keys costs tens of milliseconds each): a trusted authority, one
/// whose root nobody trusts, and CA files on disk: the trusted root alone, and the root with its intermediate.
/// </summary>
public sealed class TlsPki : IDisposable
{
    public TlsPki()
    {
        Directory = new TempDirectory("sentinel-tls");
        Trusted = TestCertificateAuthority.Create("Sentinel Test");
        Unknown = TestCertificateAuthority.Create("Unknown Test");
        RootFile = Directory.Write("root.pem", Trusted.RootPem);
        RootAndIntermediateFile = Directory.Write("root-and-intermediate.pem", Trusted.RootPem + Trusted.Intermediate.ExportCertificatePem() + "\n");
    }

    public TempDirectory Directory { get; }

    /// <summary>The authority whose root the checks trust through <see cref="RootFile"/>.</summary>
    public TestCertificateAuthority Trusted { get; }

    /// <summary>An authority nobody trusts.</summary>
    public TestCertificateAuthority Unknown { get; }

    /// <summary>A caFile with the trusted root only, as clients have it.</summary>
    public string RootFile { get; }

    /// <summary>A caFile with the trusted root and its intermediate.</summary>
    public string RootAndIntermediateFile { get; }

    public void Dispose()
    {
        Trusted.Dispose();
        Unknown.Dispose();
        Directory.Dispose();
    }
}
