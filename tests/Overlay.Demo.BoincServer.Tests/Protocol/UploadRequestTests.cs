using System.Text;
using Overlay.Demo.BoincServer.Protocol;

namespace Overlay.Demo.BoincServer.Tests.Protocol;

public sealed class UploadRequestTests
{
    [Fact]
    public void The_real_clients_upload_carries_its_output_after_the_data_tag()
    {
        var request = UploadRequest.Parse(TestFiles.Fixture("upload_request.bin"));
        Assert.Equal(UploadKind.Upload, request.Kind);
        Assert.Equal("wu_1_0_out", request.FileName);
        Assert.Equal(68, request.Nbytes);
        Assert.Equal(0, request.Offset);
        Assert.Equal("e5d8fdacabfdf401cdd2050fb67b13e5", request.Md5);
        Assert.Equal(68, request.Data.Length);
        Assert.Equal(request.Md5, UploadRequest.Md5Hex(request.Data.Span));
        Assert.StartsWith("50 613d233a", Encoding.ASCII.GetString(request.Data.Span));
    }

    [Fact]
    public void A_file_size_query_names_the_file()
    {
        var request = Parse("""
            <data_server_request>
                <core_client_major_version>7</core_client_major_version>
                <get_file_size>wu_1_0_out</get_file_size>
            </data_server_request>
            """);
        Assert.Equal(UploadKind.FileSize, request.Kind);
        Assert.Equal("wu_1_0_out", request.FileName);
    }

    [Fact]
    public void Data_may_hold_any_bytes_even_xml_like_ones()
    {
        byte[] data = [0, 1, 2, .. "</data><data>"u8, 0xff];
        byte[] body = [.. Header("wu_1_0_out", data.Length, 0), .. data];
        var request = UploadRequest.Parse(body);
        Assert.Equal(data, request.Data.ToArray());
    }

    [Theory]
    [InlineData("<data_server_request><core_client_major_version>7</core_client_major_version></data_server_request>", "neither <get_file_size> nor <file_upload>")]
    [InlineData("<data_server_request><file_upload><file_info></file_info><nbytes>1</nbytes><offset>0</offset><data>\nx", "needs <file_info><name>")]
    [InlineData("<data_server_request><file_upload><file_info><name>a</name></file_info><offset>0</offset><data>\nx", "needs <file_info><name>")]
    [InlineData("<data_server_request><file_upload><file_info><name>a</name></file_info><nbytes>1.5</nbytes><offset>0</offset><data>\nx", "<nbytes> is not a size")]
    [InlineData("<data_server_request><file_upload><file_info><name>a</name></file_info><nbytes>-1</nbytes><offset>0</offset><data>\nx", "<nbytes> is not a size")]
    [InlineData("<data_server_request><file_upload><file_info><name>a</name></file_info><nbytes>1e300</nbytes><offset>0</offset><data>\nx", "<nbytes> is not a size")]
    [InlineData("<data_server_request><file_upload><file_info><name>a</name></file_info></file_upload></data_server_request><data>\nx", "malformed XML")]
    [InlineData("<!DOCTYPE d [<!ENTITY e 'x'>]><data_server_request><get_file_size>&e;</get_file_size></data_server_request>", "DTD")]
    [InlineData("<other/>", "not a <data_server_request>")]
    public void Malformed_uploads_are_refused_with_the_reason(string body, string expected)
    {
        var refusal = Assert.Throws<ProtocolException>(() => Parse(body));
        Assert.Equal(RejectReason.MalformedXml, refusal.Reason);
        Assert.Contains(expected, refusal.Message);
    }

    [Fact]
    public void A_header_with_no_data_tag_in_its_bound_is_too_large()
    {
        string body = "<data_server_request>" + new string(' ', UploadRequest.MaxHeaderBytes) + "<data>\n";
        Assert.Equal(RejectReason.TooLarge, Assert.Throws<ProtocolException>(() => Parse(body)).Reason);
    }

    internal static byte[] Header(string name, long nbytes, long offset, string? md5 = null) => Encoding.ASCII.GetBytes($"""
        <data_server_request>
            <core_client_major_version>7</core_client_major_version>
        <file_upload>
        <file_info>
        <name>{name}</name>
        <xml_signature>
        </xml_signature>
        <max_nbytes>4096</max_nbytes>
        </file_info>
        <nbytes>{nbytes}</nbytes>
        <md5_cksum>{md5}</md5_cksum>
        <offset>{offset}</offset>
        <data>

        """);

    private static UploadRequest Parse(string body) => UploadRequest.Parse(Encoding.UTF8.GetBytes(body));
}
