using System.Text;
using Sentinel.Probes.Probing;

namespace Sentinel.Probes.Tls;

/// <summary>
/// The ICANN section of the system's Public Suffix List: the suffixes under which registries hand out names
/// (<c>com</c>, <c>co.uk</c>). Browsers refuse wildcard certificates over those only: the private section's
/// suffixes (<c>github.io</c>, <c>s3.amazonaws.com</c>) belong to companies that do hold such certificates
/// (<c>*.github.io</c>). This is Chrome's rule (registry-controlled domains, private registries excluded, unknown
/// top-level labels included, which the list's default rule <c>*</c> gives).
/// </summary>
internal static class IcannPublicSuffixes
{
    /// <summary>The comment line that starts the private section of the list file.</summary>
    public const string PrivateSectionMarker = "===BEGIN PRIVATE DOMAINS===";

    private static readonly Lazy<PublicSuffixList?> SystemList = new(() => Load(PublicSuffixList.DefaultPath));

    /// <summary>The ICANN rules of <see cref="PublicSuffixList.DefaultPath"/>, or null when this node has no list.</summary>
    public static PublicSuffixList? System => SystemList.Value;

    /// <summary>Reads the rules of a list file up to its private section, or returns null when it cannot be read.</summary>
    public static PublicSuffixList? Load(string path)
    {
        try
        {
            using var reader = new StreamReader(path);
            var icann = new StringBuilder();
            while (reader.ReadLine() is { } line && !line.Contains(PrivateSectionMarker, StringComparison.Ordinal))
            {
                icann.AppendLine(line);
            }

            return PublicSuffixList.Parse(new StringReader(icann.ToString()), path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
