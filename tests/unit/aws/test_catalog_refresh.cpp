// stratus-catalog refresh's core: spot price reduction, rows, CSV that the
// catalog reader accepts, atomic writes, and the three APIs end to end
// over a scripted transport.
#include <dirent.h>
#include <sys/stat.h>

#include <system_error>

#include "aws/catalog_refresh.hpp"
#include "aws/json_doc.hpp"
#include "aws/query.hpp"
#include "aws_unit.hpp"
#include "catalog.hpp"
#include "file.hpp"

using namespace stratus::aws;
using stratus::write_file_atomically;

namespace {

ec2::SpotPrice sp(const char* type, const char* az, double price, const char* ts, const char* product = "Linux/UNIX") {
    return ec2::SpotPrice{type, product, price, ts, az};
}

ec2::InstanceTypeInfo info(const char* type, const char* arch, uint32_t vcpus, uint64_t mem, uint32_t gpus = 0,
                           const char* gpu = "", bool efa = false) {
    ec2::InstanceTypeInfo t;
    t.instance_type = type;
    t.architectures = {arch};
    t.vcpus = vcpus;
    t.memory_mib = mem;
    t.gpus = gpus;
    t.gpu_model = gpu;
    t.efa = efa;
    return t;
}

size_t files_in(const std::string& dir) {
    size_t n = 0;
    DIR* d = opendir(dir.c_str());
    while (dirent* e = readdir(d))
        if (e->d_name[0] != '.' || (std::string(e->d_name) != "." && std::string(e->d_name) != "..")) ++n;
    closedir(d);
    return n;
}

}  // namespace

START_TEST(spot_latest_then_lowest) {
    std::vector<ec2::SpotPrice> h = {
        sp("c7g.large", "us-east-1a", 0.030, "2026-11-28T05:00:00.000Z"),
        sp("c7g.large", "us-east-1a", 0.010, "2026-11-27T05:00:00.000Z"),  // older: ignored
        sp("c7g.large", "us-east-1b", 0.028, "2026-11-28T01:00:00.000Z"),
        sp("c7g.large", "us-east-1c", 0.001, "2026-11-28T06:00:00.000Z", "Windows"),  // other product
        sp("p5.48xlarge", "us-east-1a", 30.5, "2026-11-28T06:00:00Z"),
    };
    auto m = latest_spot_prices(h);
    ck_assert_uint_eq(m.size(), 2);
    ck_assert(m["c7g.large"] == 0.028);
    ck_assert(m["p5.48xlarge"] == 30.5);
    ck_assert(latest_spot_prices(h, "")["c7g.large"] == 0.001);
}
END_TEST

START_TEST(rows_and_csv_round_trip) {
    std::vector<ec2::InstanceTypeInfo> types = {
        info("p5.48xlarge", "x86_64", 192, 2097152, 8, "H100", true),
        info("c7g.large", "arm64", 2, 4096),
        info("mac2.metal", "arm64_mac", 12, 16384),
        info("g4ad.xlarge", "x86_64", 4, 16384, 1, "Radeon Pro V520"),
        info("zz9.new", "x86_64", 8, 32768),
    };
    std::vector<std::string> warnings;
    auto rows = build_catalog_rows("us-east-2", types, {{"c7g.large", 0.0725}, {"p5.48xlarge", 98.32}},
                                   {{"c7g.large", 0.0281}}, {{"c7g.large", {"use2-az1", "use2-az3"}}}, {}, &warnings);
    ck_assert_uint_eq(rows.size(), 4);  // sorted, mac skipped
    EXPECT_STR(rows[0].instance_type, "c7g.large");
    EXPECT_STR(rows[1].gpu_model, "radeon-pro-v520");
    EXPECT_STR(rows[2].instance_type, "p5.48xlarge");
    ck_assert_uint_eq(warnings.size(), 1);
    std::string csv = catalog_csv(rows, {"test catalog"});
    EXPECT_STR(csv,
               "# test catalog\n"
               "instance_type,arch,vcpus,memory_mib,gpus,gpu_model,efa,region,availability_zones,ondemand_usd_per_hour,"
               "spot_usd_per_hour\n"
               "c7g.large,arm64,2,4096,0,,false,us-east-2,use2-az1;use2-az3,0.0725,0.0281\n"
               "g4ad.xlarge,x86_64,4,16384,1,radeon-pro-v520,false,us-east-2,,,\n"
               "p5.48xlarge,x86_64,192,2097152,8,h100,true,us-east-2,,98.32,\n"
               "zz9.new,x86_64,8,32768,0,,false,us-east-2,,,\n");

    // The catalog reader takes it: prices for us-east-2, a new type added.
    stratus::Catalog cat = stratus::Catalog::builtin();
    cat.merge_csv(csv, "refresh.csv");
    const stratus::InstanceType* c7g = cat.find("c7g.large");
    ck_assert(c7g && c7g->price("us-east-2", stratus::Capacity::on_demand) == 0.0725);
    ck_assert(c7g->price("us-east-2", stratus::Capacity::spot) == 0.0281);
    ck_assert(c7g->price("us-east-1", stratus::Capacity::on_demand).has_value());  // built-in price kept
    const stratus::InstanceType* p5 = cat.find("p5.48xlarge");
    ck_assert(p5 && p5->gpus == 8 && p5->gpu_model == "h100" && p5->efa);
    ck_assert(!p5->price("us-east-2", stratus::Capacity::spot).has_value());
    ck_assert(cat.find("zz9.new") && cat.find("zz9.new")->vcpus == 8);
    // The refreshed zones replace the built-in ones: use2-az2 no longer offers it.
    ck_assert(c7g->offered_in_zone("us-east-2", "use2-az3") == stratus::Offered::yes);
    ck_assert(c7g->offered_in_zone("us-east-2", "use2-az2") == stratus::Offered::no);
    cat.price_spot_from_snapshot(stratus::SpotSnapshotEnd::max);  // a current price wins over the snapshot
    ck_assert(c7g->price("us-east-2", stratus::Capacity::spot) == 0.0281);

    // Restricted to some types; unknown ones are reported.
    warnings.clear();
    rows = build_catalog_rows("us-east-2", types, {}, {}, {}, {"C7G.large", "nope.large"}, &warnings);
    ck_assert_uint_eq(rows.size(), 1);
    ck_assert_uint_eq(warnings.size(), 1);
    ck_assert(warnings[0].find("nope.large: not offered in us-east-2") == 0);
}
END_TEST

START_TEST(atomic_write) {
    std::string d = test_dir();
    std::string path = d + "/catalog.csv";
    write_file_atomically(path, "one\n");
    EXPECT_STR(read_file(path), "one\n");
    struct stat st1;
    ck_assert(stat(path.c_str(), &st1) == 0);
    ck_assert_int_eq(st1.st_mode & 0777, 0644);
    write_file_atomically(path, "two\n", 0640);
    EXPECT_STR(read_file(path), "two\n");
    struct stat st2;
    ck_assert(stat(path.c_str(), &st2) == 0);
    ck_assert(st1.st_ino != st2.st_ino);  // replaced, not rewritten in place: the plugin sees a new inode
    ck_assert_int_eq(st2.st_mode & 0777, 0640);
    ck_assert_uint_eq(files_in(d), 1);  // no temporary left behind
    try {
        write_file_atomically(d + "/no/such/dir/x.csv", "x");
        ck_abort_msg("no exception");
    } catch (const std::system_error& e) {
        ck_assert(std::string(e.what()).find("no/such/dir/x.csv") != std::string::npos);
    }
    // A directory in the way: rename fails, the temporary is removed.
    ck_assert(mkdir((d + "/adir").c_str(), 0755) == 0);
    write_file(d + "/adir/f", "x");
    try {
        write_file_atomically(d + "/adir", "x");
        ck_abort_msg("no exception");
    } catch (const std::system_error&) {
    }
    ck_assert_uint_eq(files_in(d), 2);
}
END_TEST

START_TEST(refresh_end_to_end_scripted) {
    auto script = std::make_shared<Script>();
    int spot_pages = 0;
    script->handler = [&spot_pages](const HttpRequest& r) {
        Script::Step s;
        std::string target;
        for (const auto& h : r.headers)
            if (h.rfind("X-Amz-Target: ", 0) == 0) target = h.substr(14);
        if (target == "AWSPriceListService.GetProducts") {
            JsonPtr page = json_new_object();
            JsonPtr list = json_new_array();
            json_append(list.get(),
                        json_new_string(R"({"product":{"attributes":{"instanceType":"c7g.large","regionCode":"eu-west-1"},"sku":"S1"},)"
                                        R"("terms":{"OnDemand":{"S1.T":{"priceDimensions":{"S1.T.R":{"unit":"Hrs","pricePerUnit":{"USD":"0.0800000000"}}}}}}})"));
            json_set(page.get(), "PriceList", std::move(list));
            s.body = json_dump(page.get());
            return s;
        }
        std::string action;
        for (const auto& kv : decode_form(r.body))
            if (kv.first == "Action") action = kv.second;
        if (action == "DescribeInstanceTypes") {
            s.body = "<DescribeInstanceTypesResponse><instanceTypeSet><item><instanceType>c7g.large</instanceType>"
                     "<processorInfo><supportedArchitectures><item>arm64</item></supportedArchitectures></processorInfo>"
                     "<vCpuInfo><defaultVCpus>2</defaultVCpus></vCpuInfo><memoryInfo><sizeInMiB>4096</sizeInMiB></memoryInfo>"
                     "</item></instanceTypeSet></DescribeInstanceTypesResponse>";
        } else if (action == "DescribeInstanceTypeOfferings") {
            ck_assert(r.body.find("LocationType=availability-zone-id") != std::string::npos);
            s.body = "<DescribeInstanceTypeOfferingsResponse><instanceTypeOfferingSet>"
                     "<item><instanceType>c7g.large</instanceType><locationType>availability-zone-id</locationType>"
                     "<location>euw1-az3</location></item>"
                     "<item><instanceType>c7g.large</instanceType><locationType>availability-zone-id</locationType>"
                     "<location>euw1-az1</location></item>"
                     "</instanceTypeOfferingSet></DescribeInstanceTypeOfferingsResponse>";
        } else if (action == "DescribeSpotPriceHistory") {
            ck_assert(r.body.find("ProductDescription.1=Linux%2FUNIX") != std::string::npos);
            ck_assert(r.body.find("StartTime=") != std::string::npos);
            if (spot_pages++ == 0)
                s.body = "<DescribeSpotPriceHistoryResponse><spotPriceHistorySet><item><instanceType>c7g.large</instanceType>"
                         "<productDescription>Linux/UNIX</productDescription><spotPrice>0.031</spotPrice>"
                         "<timestamp>2026-11-28T05:00:00.000Z</timestamp><availabilityZone>eu-west-1a</availabilityZone></item>"
                         "</spotPriceHistorySet><nextToken>p2</nextToken></DescribeSpotPriceHistoryResponse>";
            else
                s.body = "<DescribeSpotPriceHistoryResponse><spotPriceHistorySet><item><instanceType>c7g.large</instanceType>"
                         "<productDescription>Linux/UNIX</productDescription><spotPrice>0.029</spotPrice>"
                         "<timestamp>2026-11-28T04:00:00.000Z</timestamp><availabilityZone>eu-west-1b</availabilityZone></item>"
                         "</spotPriceHistorySet></DescribeSpotPriceHistoryResponse>";
        } else {
            s.status = 400;
            s.body = "<Response><Errors><Error><Code>InvalidAction</Code></Error></Errors></Response>";
        }
        return s;
    };
    ClientConfig c;
    c.region = "eu-west-1";
    c.env = Env::fixed({});
    c.credentials = std::make_shared<StaticCredentialsProvider>(Credentials{"AKID", "S", "", std::nullopt, "t"});
    c.clock = std::make_shared<FakeClock>();
    c.make_transport = [script] { return std::make_unique<ScriptedTransport>(script); };
    CatalogRefresh r = refresh_catalog(c, "eu-west-1", {});
    ck_assert_uint_eq(r.rows.size(), 1);
    ck_assert(r.rows[0].ondemand_usd_per_hour == 0.08);
    ck_assert(r.rows[0].spot_usd_per_hour == 0.029);
    ck_assert_uint_eq(r.spot_records, 2);
    ck_assert_uint_eq(r.rows[0].zones.size(), 2);
    EXPECT_STR(r.rows[0].zones[0] + " " + r.rows[0].zones[1], "euw1-az1 euw1-az3");  // sorted
    ck_assert_uint_eq(r.warnings.size(), 0);
    ck_assert_uint_eq(script->requests.size(), 5);
}
END_TEST

Suite* aws_catalog_suite() {
    Suite* s = suite_create("aws_catalog_refresh");
    TCase* tc = aws_tcase("refresh");
    tcase_add_test(tc, spot_latest_then_lowest);
    tcase_add_test(tc, rows_and_csv_round_trip);
    tcase_add_test(tc, atomic_write);
    tcase_add_test(tc, refresh_end_to_end_scripted);
    suite_add_tcase(s, tc);
    return s;
}
