using System.Formats.Asn1;
using System.Security.Cryptography.X509Certificates;
using Sentinel.Probes.Protocols.Tls;
using Xunit;

namespace Sentinel.Probes.Tests.Protocols.Tls;

/// <summary>
/// Names written as Go's pkix.Name.String() writes them (blackbox_exporter's probe_ssl_last_chain_info labels).
/// The expected strings follow Go's crypto/x509/pkix source: fields in Go's fixed order, written backwards,
/// repeated types joined with '+', unknown types last as OID=#hex of asn1.Marshal(value).
/// </summary>
public sealed class GoDistinguishedNameTests
{
    private const string Email = "1.2.840.113549.1.9.1";
    private const string DomainComponent = "0.9.2342.19200300.100.1.25";

    [Fact]
    public void Format_CommonNameAndOrganization_HasNoSpaceAfterTheComma()
    {
        Assert.Equal("CN=www.rv.test,O=Rv Tests", GoDistinguishedName.Format(new X500DistinguishedName("CN=www.rv.test, O=Rv Tests")));
    }

    [Fact]
    public void Format_FullName_UsesGosFieldOrderEscapingAndHexForUnknownTypes()
    {
        // Encoded in the usual order (C first); the email address is a type Go has no name for.
        var name = Name(
            [("2.5.4.6", UniversalTagNumber.PrintableString, "US")],
            [("2.5.4.8", UniversalTagNumber.UTF8String, "CA")],
            [("2.5.4.7", UniversalTagNumber.UTF8String, "San Francisco")],
            [("2.5.4.10", UniversalTagNumber.UTF8String, "Acme, Inc.")],
            [("2.5.4.11", UniversalTagNumber.UTF8String, "Ops")],
            [("2.5.4.3", UniversalTagNumber.UTF8String, "#host +1")],
            [(Email, UniversalTagNumber.IA5String, "ops@acme.test")]);

        // '@' is not a PrintableString character, so Go's asn1.Marshal picks a UTF8String (tag 0x0c).
        Assert.Equal(
            @"CN=\#host \+1,OU=Ops,O=Acme\, Inc.,L=San Francisco,ST=CA,C=US,1.2.840.113549.1.9.1=#0c0d6f70734061636d652e74657374",
            GoDistinguishedName.Format(name));
    }

    [Fact]
    public void Format_NameInReverseOrder_IsWrittenInGosOrderAnyway()
    {
        var name = Name(
            [("2.5.4.3", UniversalTagNumber.UTF8String, "x")],
            [("2.5.4.10", UniversalTagNumber.UTF8String, "First")],
            [("2.5.4.6", UniversalTagNumber.PrintableString, "DE")],
            [("2.5.4.10", UniversalTagNumber.UTF8String, "Second")]);

        Assert.Equal("CN=x,O=First+O=Second,C=DE", GoDistinguishedName.Format(name));
    }

    [Fact]
    public void Format_MultiValuedRdnAndRepeatedCommonName_FollowGosFields()
    {
        // One RDN holding O and OU is split into Go's fields; of two CNs only the last survives.
        var name = Name(
            [("2.5.4.10", UniversalTagNumber.UTF8String, "A"), ("2.5.4.11", UniversalTagNumber.UTF8String, "B")],
            [("2.5.4.3", UniversalTagNumber.UTF8String, "first")],
            [("2.5.4.3", UniversalTagNumber.UTF8String, "last")]);

        Assert.Equal("CN=last,OU=B,O=A", GoDistinguishedName.Format(name));
    }

    [Fact]
    public void Format_UnknownTypes_ComeLastInReverseOrderAsPrintableStringHex()
    {
        var name = Name(
            [(DomainComponent, UniversalTagNumber.IA5String, "test")],
            [(DomainComponent, UniversalTagNumber.IA5String, "example")],
            [("2.5.4.3", UniversalTagNumber.UTF8String, "x")]);

        Assert.Equal(
            "CN=x,0.9.2342.19200300.100.1.25=#13076578616d706c65,0.9.2342.19200300.100.1.25=#130474657374",
            GoDistinguishedName.Format(name));
    }

    [Theory]
    [InlineData(" lead", @"CN=\ lead")]
    [InlineData("trail ", @"CN=trail\ ")]
    [InlineData("mid dle", "CN=mid dle")]
    [InlineData("a\"b<c>d;e\\f", @"CN=a\""b\<c\>d\;e\\f")]
    [InlineData("a#b", "CN=a#b")]
    [InlineData("Zürich", "CN=Zürich")]
    public void Format_Values_AreEscapedAsGoEscapesThem(string value, string expected)
    {
        Assert.Equal(expected, GoDistinguishedName.Format(Name([("2.5.4.3", UniversalTagNumber.UTF8String, value)])));
    }

    [Fact]
    public void Format_BmpAndT61Strings_AreDecodedAsGoDecodesThem()
    {
        var name = Name(
            [("2.5.4.10", UniversalTagNumber.T61String, "Caf\u00e9")],
            [("2.5.4.3", UniversalTagNumber.BMPString, "b\u00fccher")]);

        Assert.Equal("CN=b\u00fccher,O=Caf\u00e9", GoDistinguishedName.Format(name));
    }

    [Fact]
    public void Format_EmptyName_IsEmpty()
    {
        Assert.Equal("", GoDistinguishedName.Format(new X500DistinguishedName(new byte[] { 0x30, 0x00 })));
    }

    /// <summary>A name with the RDNs given, in this order, each a SET of type and value.</summary>
    private static X500DistinguishedName Name(params (string Oid, UniversalTagNumber Type, string Value)[][] rdns)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            foreach (var rdn in rdns)
            {
                using (writer.PushSetOf())
                {
                    foreach (var (oid, type, value) in rdn)
                    {
                        using (writer.PushSequence())
                        {
                            writer.WriteObjectIdentifier(oid);
                            if (type == UniversalTagNumber.T61String)
                            {
                                // AsnWriter has no T61String encoder: the Latin-1 bytes under its tag (0x14).
                                var bytes = System.Text.Encoding.Latin1.GetBytes(value);
                                writer.WriteEncodedValue([0x14, (byte)bytes.Length, .. bytes]);
                            }
                            else
                            {
                                writer.WriteCharacterString(type, value);
                            }
                        }
                    }
                }
            }
        }

        return new X500DistinguishedName(writer.Encode());
    }
}
