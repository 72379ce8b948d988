// The SigV4 signer against AWS's published examples: the Signature Version 4 test suite
// (credentials AKIDEXAMPLE, region us-east-1, service "service", 2015-08-30T12:36:00Z) and
// the worked S3 examples of the S3 API reference (examplebucket, 2013-05-24).
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "common/hash/sha256.h"
#include "server/store/blob/sigv4.h"

namespace mlvc::server::store::sigv4 {
namespace {

using Params = std::vector<std::pair<std::string, std::string>>;

const Credentials kSuite{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", ""};
constexpr char kSuiteDate[] = "20150830T123600Z";

struct SuiteCase {
  std::string name;
  std::string method;
  std::string path;
  Params query;
  Params extra_headers;  // besides host and x-amz-date
  std::string body;
  std::string signed_headers;
  std::string signature;
};

Signature SignSuite(const SuiteCase& c) {
  Request r;
  r.method = c.method;
  r.path = c.path;
  r.query = c.query;
  r.headers = {{"Host", "example.amazonaws.com"}, {"X-Amz-Date", kSuiteDate}};
  for (const auto& h : c.extra_headers) r.headers.push_back(h);
  r.payload_hash = common::Sha256Hex(c.body);
  return Sign(r, kSuite, "us-east-1", "service", kSuiteDate);
}

TEST_CASE("SigV4 get-vanilla: canonical request and string to sign", "[s3][sigv4]") {
  const Signature s = SignSuite({"get-vanilla", "GET", "/", {}, {}, "", "", ""});
  CHECK(s.canonical_request ==
        "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n"
        "host;x-amz-date\n"
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(s.string_to_sign ==
        "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n"
        "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63");
  CHECK(s.authorization ==
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
        "SignedHeaders=host;x-amz-date, "
        "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
}

TEST_CASE("SigV4 get-vanilla-query-order-key-case sorts the query", "[s3][sigv4]") {
  const Signature s = SignSuite(
      {"", "GET", "/", {{"Param2", "value2"}, {"Param1", "value1"}}, {}, "", "", ""});
  CHECK(s.canonical_request ==
        "GET\n/\nParam1=value1&Param2=value2\nhost:example.amazonaws.com\n"
        "x-amz-date:20150830T123600Z\n\nhost;x-amz-date\n"
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(s.string_to_sign ==
        "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n"
        "816cd5b414d056048ba4f7c5386d6e0533120fb1fcfa93762cf0fc39e2cf19e0");
  CHECK(s.signature == "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500");
}

TEST_CASE("SigV4 matches the AWS test suite", "[s3][sigv4]") {
  const std::string unreserved =
      "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  const std::vector<SuiteCase> cases = {
      {"get-vanilla", "GET", "/", {}, {}, "", "host;x-amz-date",
       "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"},
      {"get-utf8", "GET", "/\xe1\x88\xb4", {}, {}, "", "host;x-amz-date",
       "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85"},
      {"get-unreserved", "GET", "/" + unreserved, {}, {}, "", "host;x-amz-date",
       "07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f"},
      {"get-vanilla-utf8-query", "GET", "/", {{"\xe1\x88\xb4", "bar"}}, {}, "",
       "host;x-amz-date", "2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04"},
      {"get-vanilla-query-unreserved", "GET", "/", {{unreserved, unreserved}}, {}, "",
       "host;x-amz-date", "9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197"},
      {"get-header-key-duplicate", "GET", "/", {},
       {{"My-Header1", "value2"}, {"My-Header1", "value2"}, {"My-Header1", "value1"}}, "",
       "host;my-header1;x-amz-date",
       "c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea"},
      {"get-header-value-trim", "GET", "/", {},
       {{"My-Header1", " value1 "}, {"My-Header2", "\"a   b   c\""}}, "",
       "host;my-header1;my-header2;x-amz-date",
       "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736"},
      {"post-vanilla", "POST", "/", {}, {}, "", "host;x-amz-date",
       "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"},
      {"post-vanilla-query", "POST", "/", {{"Param1", "value1"}}, {}, "", "host;x-amz-date",
       "28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11"},
      {"post-header-value-case", "POST", "/", {}, {{"My-Header1", "VALUE1"}}, "",
       "host;my-header1;x-amz-date",
       "cdbc9802e29d2942e5e10b5bccfdd67c5f22c7c4e8ae67b53629efa58b974b7d"},
      {"post-x-www-form-urlencoded", "POST", "/", {},
       {{"Content-Type", "application/x-www-form-urlencoded"}}, "Param1=value1",
       "content-type;host;x-amz-date",
       "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a"},
      {"post-x-www-form-urlencoded-parameters", "POST", "/", {},
       {{"Content-Type", "application/x-www-form-urlencoded; charset=utf8"}}, "Param1=value1",
       "content-type;host;x-amz-date",
       "1a72ec8f64bd914b0e42e42607c7fbce7fb2c7465f63e3092b3b0d39fa77a6fe"},
      {"post-sts-header-before", "POST", "/", {},
       {{"X-Amz-Security-Token",
         "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicR"
         "XmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKs"
         "burEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u"
         "0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA=="}},
       "", "host;x-amz-date;x-amz-security-token",
       "85d96828115b5dc0cfc3bd16ad9e210dd772bbebba041836c64533a82be05ead"},
  };
  for (const SuiteCase& c : cases) {
    INFO(c.name);
    const Signature s = SignSuite(c);
    CHECK(s.signed_headers == c.signed_headers);
    CHECK(s.signature == c.signature);
    CHECK(s.authorization ==
          "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
          "SignedHeaders=" + c.signed_headers + ", Signature=" + c.signature);
  }
}

// The S3 API reference's examples ("Signature Calculations for the Authorization Header:
// Transferring Payload in a Single Chunk").
const Credentials kS3{"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", ""};
constexpr char kS3Date[] = "20130524T000000Z";

Request S3Get(const std::string& path, Params query) {
  Request r;
  r.method = "GET";
  r.path = path;
  r.query = std::move(query);
  r.headers = {{"Host", "examplebucket.s3.amazonaws.com"},
               {"x-amz-content-sha256", std::string(kEmptyPayloadHash)},
               {"x-amz-date", kS3Date}};
  r.payload_hash = std::string(kEmptyPayloadHash);
  return r;
}

TEST_CASE("SigV4 S3 example: GET object with a range", "[s3][sigv4]") {
  Request r = S3Get("/test.txt", {});
  r.headers.emplace_back("Range", "bytes=0-9");
  const Signature s = Sign(r, kS3, "us-east-1", "s3", kS3Date);
  CHECK(s.canonical_request ==
        "GET\n/test.txt\n\nhost:examplebucket.s3.amazonaws.com\nrange:bytes=0-9\n"
        "x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"
        "x-amz-date:20130524T000000Z\n\nhost;range;x-amz-content-sha256;x-amz-date\n"
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(s.string_to_sign ==
        "AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n"
        "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972");
  CHECK(s.signature == "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
  CHECK(s.authorization ==
        "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
        "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
        "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
}

TEST_CASE("SigV4 S3 example: PUT object with a reserved character in the key", "[s3][sigv4]") {
  const std::string body = "Welcome to Amazon S3.";
  const std::string hash = common::Sha256Hex(body);
  REQUIRE(hash == "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072");
  Request r;
  r.method = "PUT";
  r.path = "/test$file.text";
  r.headers = {{"Host", "examplebucket.s3.amazonaws.com"},
               {"Date", "Fri, 24 May 2013 00:00:00 GMT"},
               {"x-amz-date", kS3Date},
               {"x-amz-storage-class", "REDUCED_REDUNDANCY"},
               {"x-amz-content-sha256", hash}};
  r.payload_hash = hash;
  const Signature s = Sign(r, kS3, "us-east-1", "s3", kS3Date);
  CHECK(s.canonical_request ==
        "PUT\n/test%24file.text\n\ndate:Fri, 24 May 2013 00:00:00 GMT\n"
        "host:examplebucket.s3.amazonaws.com\n"
        "x-amz-content-sha256:44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072\n"
        "x-amz-date:20130524T000000Z\nx-amz-storage-class:REDUCED_REDUNDANCY\n\n"
        "date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class\n"
        "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072");
  CHECK(s.signature == "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd");
  CHECK(RequestTarget(r) == "/test%24file.text");
}

TEST_CASE("SigV4 S3 examples: bucket lifecycle and list objects queries", "[s3][sigv4]") {
  const Signature lifecycle = Sign(S3Get("/", {{"lifecycle", ""}}), kS3, "us-east-1", "s3",
                                   kS3Date);
  CHECK(lifecycle.canonical_request.find("\nlifecycle=\n") != std::string::npos);
  CHECK(lifecycle.signature ==
        "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543");
  const Request list = S3Get("/", {{"prefix", "J"}, {"max-keys", "2"}});
  CHECK(Sign(list, kS3, "us-east-1", "s3", kS3Date).signature ==
        "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7");
  CHECK(RequestTarget(list) == "/?max-keys=2&prefix=J");
}

TEST_CASE("SigV4 URI encoding follows the S3 rules", "[s3][sigv4]") {
  CHECK(UriEncode("a b/c", true) == "a%20b/c");
  CHECK(UriEncode("a b/c", false) == "a%20b%2Fc");
  CHECK(UriEncode("-._~AZaz09", false) == "-._~AZaz09");
  CHECK(UriEncode("+*=&%$", false) == "%2B%2A%3D%26%25%24");
  CHECK(UriEncode("\xc3\xa9", false) == "%C3%A9");  // UTF-8, byte by byte, uppercase hex
  CHECK(CanonicalQuery({{"uploadId", "x y"}, {"partNumber", "2"}, {"a", ""}}) ==
        "a=&partNumber=2&uploadId=x%20y");
  // S3 paths are encoded once and never normalized.
  Request r;
  r.method = "GET";
  r.path = "/bucket/a//b/../c";
  CHECK(RequestTarget(r) == "/bucket/a//b/../c");
  CHECK(RequestTarget(Request{}) == "/");
}

TEST_CASE("SigV4 UNSIGNED-PAYLOAD goes into the canonical request as is", "[s3][sigv4]") {
  Request r = S3Get("/test.txt", {});
  r.headers[1].second = std::string(kUnsignedPayload);
  r.payload_hash = std::string(kUnsignedPayload);
  const Signature s = Sign(r, kS3, "us-east-1", "s3", kS3Date);
  CHECK(s.canonical_request.substr(s.canonical_request.rfind('\n') + 1) == "UNSIGNED-PAYLOAD");
  CHECK(s.canonical_request.find("x-amz-content-sha256:UNSIGNED-PAYLOAD\n") !=
        std::string::npos);
  // A different payload hash is a different signature.
  CHECK(s.signature != Sign(S3Get("/test.txt", {}), kS3, "us-east-1", "s3", kS3Date).signature);
}

TEST_CASE("SigV4 dates and the signing key chain", "[s3][sigv4]") {
  CHECK(AmzDate(absl::FromUnixSeconds(1440938160)) == "20150830T123600Z");
  // The signing key of the SigV4 documentation's example (secret of the test suite,
  // 20150830/us-east-1/iam).
  std::string k = HmacSha256("AWS4wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20150830");
  k = HmacSha256(k, "us-east-1");
  k = HmacSha256(k, "iam");
  k = HmacSha256(k, "aws4_request");
  CHECK(HexEncode(k) == "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9");
}

}  // namespace
}  // namespace mlvc::server::store::sigv4
