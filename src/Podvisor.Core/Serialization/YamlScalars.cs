using System.Globalization;
using System.Text.Json;

namespace Podvisor.Core.Serialization;

/// <summary>
/// Resolution of unquoted YAML scalars. Typed fields use the YAML 1.1 rules of go-yaml v2 (which kubectl uses):
/// <c>0644</c> is octal, <c>yes</c>/<c>off</c> are booleans. Untyped values use the YAML 1.2 core schema.
/// </summary>
public static class YamlScalars
{
    /// <summary>A YAML 1.1 integer (decimal, 0x hex, 0o or leading-0 octal, 0b binary, '_' separators), or null.</summary>
    public static long? ParseInt(string text)
    {
        var t = text.Replace("_", "", StringComparison.Ordinal);
        var negative = t.StartsWith('-');
        var body = t.TrimStart('+', '-');
        if (body.Length == 0 || t.Length - body.Length > 1)
        {
            return null;
        }

        var (digits, radix) = body switch
        {
            _ when body.StartsWith("0x", StringComparison.OrdinalIgnoreCase) => (body[2..], 16),
            _ when body.StartsWith("0o", StringComparison.Ordinal) => (body[2..], 8),
            _ when body.StartsWith("0b", StringComparison.Ordinal) => (body[2..], 2),
            _ when body.Length > 1 && body[0] == '0' => (body[1..], 8),
            _ => (body, 10),
        };
        if (digits.Length == 0 || !digits.All(c => Uri.IsHexDigit(c) && Convert.ToInt32(c.ToString(), 16) < radix))
        {
            return null;
        }

        try
        {
            var magnitude = radix == 10 ? long.Parse(digits, CultureInfo.InvariantCulture) : Convert.ToInt64(digits, radix);
            return negative ? -magnitude : magnitude;
        }
        catch (OverflowException)
        {
            return null;
        }
    }

    /// <summary>A YAML 1.1 boolean (true/false, yes/no, on/off, y/n in their usual cases), or null.</summary>
    public static bool? ParseBool(string text) => text switch
    {
        "true" or "True" or "TRUE" or "yes" or "Yes" or "YES" or "on" or "On" or "ON" or "y" or "Y" => true,
        "false" or "False" or "FALSE" or "no" or "No" or "NO" or "off" or "Off" or "OFF" or "n" or "N" => false,
        _ => null,
    };

    /// <summary>Writes <paramref name="scalar"/> as JSON, resolving plain scalars by the YAML 1.2 core schema.</summary>
    public static void WriteCoreSchema(Utf8JsonWriter writer, ScalarNode scalar)
    {
        switch (scalar.Style)
        {
            case ScalarStyle.Null:
                writer.WriteNullValue();
                return;
            case ScalarStyle.String:
                writer.WriteStringValue(scalar.Text);
                return;
            case ScalarStyle.Number:
                writer.WriteRawValue(scalar.Text);
                return;
            case ScalarStyle.Bool:
                writer.WriteBooleanValue(scalar.Text == "true");
                return;
        }

        var text = scalar.Text;
        if (text is "" or "~" or "null" or "Null" or "NULL")
        {
            writer.WriteNullValue();
        }
        else if (text is "true" or "True" or "TRUE" or "false" or "False" or "FALSE")
        {
            writer.WriteBooleanValue(text[0] is 't' or 'T');
        }
        else if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n))
        {
            writer.WriteNumberValue(n);
        }
        else if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d) && text.Any(char.IsDigit))
        {
            writer.WriteNumberValue(d);
        }
        else
        {
            writer.WriteStringValue(text);
        }
    }
}
