using System.Security.Cryptography;
using System.Text;

namespace Box.K8sEventReporting.Reporting;

/// <summary>Deterministic Event names, so that a restarted recorder finds the Event an earlier one created.</summary>
internal static class EventNames
{
    private const int HashHexLength = 16;

    /// <summary>
    /// Returns <c>{involvedObject name}.{16 hex digits}</c>, the digits a SHA-256 prefix of (object uid, or namespace/name when the
    /// uid is unknown; source component; type; reason; message). Two different messages never share a name; the same report
    /// from any process does.
    /// </summary>
    public static string For(in EventKey key)
    {
        var input = string.Join('\n', string.IsNullOrEmpty(key.Object.Uid) ? key.Object.Namespace + "/" + key.Object.Name : key.Object.Uid, key.Component, key.Type, key.Reason, key.Message);
        var byteCount = Encoding.UTF8.GetByteCount(input);
        var buffer = byteCount <= 1024 ? stackalloc byte[byteCount] : new byte[byteCount];
        Encoding.UTF8.GetBytes(input, buffer);
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(buffer, hash);
        var suffix = ToLowerHex(hash[..(HashHexLength / 2)]);

        var prefix = key.Object.Name;
        var maxPrefix = KubernetesNames.MaxSubdomainLength - 1 - HashHexLength;
        if (prefix.Length > maxPrefix)
        {
            prefix = prefix[..maxPrefix].TrimEnd('.', '-');
        }

        return prefix + "." + suffix;
    }

    private static string ToLowerHex(ReadOnlySpan<byte> bytes)
    {
        const string Digits = "0123456789abcdef";
        Span<char> chars = stackalloc char[bytes.Length * 2];
        for (var i = 0; i < bytes.Length; i++)
        {
            chars[2 * i] = Digits[bytes[i] >> 4];
            chars[(2 * i) + 1] = Digits[bytes[i] & 0xF];
        }

        return new string(chars);
    }
}
