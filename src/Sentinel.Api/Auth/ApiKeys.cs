using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;

namespace Sentinel.Api.Auth;

/// <summary>
/// API keys: <c>sntl_</c>, a public lookup id of 12 characters, <c>_</c>, and a secret of 32 random bytes (43
/// base64url characters). Only the SHA-256 of the secret is stored. A salted slow hash would add nothing: the secret
/// has 256 bits of entropy, so no dictionary or brute force reaches it, and a fast hash keeps every request cheap.
/// </summary>
public static class ApiKeys
{
    /// <summary>What every key starts with, so that secret scanners and people recognise one.</summary>
    public const string Prefix = "sntl_";

    private const int IdLength = 12;
    private const int SecretBytes = 32;
    private const string IdAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789";

    /// <summary>A new key: its text (shown once) and what is stored of it.</summary>
    public static (string Key, string Id, byte[] SecretHash) Generate()
    {
        var id = RandomNumberGenerator.GetString(IdAlphabet, IdLength);
        var secret = Base64Url(RandomNumberGenerator.GetBytes(SecretBytes));
        return ($"{Prefix}{id}_{secret}", id, Hash(secret));
    }

    /// <summary>Splits a presented key into its id and secret; false for anything not shaped as a key.</summary>
    public static bool TryParse(string? key, [NotNullWhen(true)] out string? id, [NotNullWhen(true)] out string? secret)
    {
        id = secret = null;
        if (key is null || key.Length != Prefix.Length + IdLength + 1 + 43 || !key.StartsWith(Prefix, StringComparison.Ordinal)
            || key[Prefix.Length + IdLength] != '_')
        {
            return false;
        }

        var idPart = key.Substring(Prefix.Length, IdLength);
        var secretPart = key[(Prefix.Length + IdLength + 1)..];
        if (!idPart.All(c => IdAlphabet.Contains(c, StringComparison.Ordinal)) || !secretPart.All(IsBase64Url))
        {
            return false;
        }

        (id, secret) = (idPart, secretPart);
        return true;
    }

    /// <summary>Whether <paramref name="secret"/> is the one whose hash is stored, compared in constant time.</summary>
    public static bool Matches(string secret, byte[] storedHash) => CryptographicOperations.FixedTimeEquals(Hash(secret), storedHash);

    /// <summary>The stored form of a secret.</summary>
    public static byte[] Hash(string secret) => SHA256.HashData(Encoding.ASCII.GetBytes(secret));

    private static bool IsBase64Url(char c) => c is (>= 'A' and <= 'Z') or (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-' or '_';

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
