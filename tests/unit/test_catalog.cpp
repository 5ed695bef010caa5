// common/catalog.hpp: the built-in instance catalog and CSV merging.
#include "catalog.hpp"
#include "unit.hpp"

using namespace stratus;

START_TEST(builtin_size) {
    Catalog c = Catalog::builtin();
    ck_assert_uint_eq(c.types().size(), 152);
    unsigned arm = 0, priced = 0;
    for (const InstanceType& t : c.types()) {
        ck_assert_msg(t.vcpus > 0 && t.memory_mib > 0, "%s lacks specs", t.name.c_str());
        ck_assert_msg(!t.family.empty(), "%s lacks a family", t.name.c_str());
        ck_assert_msg(c.find(t.name) == &t, "%s not indexed", t.name.c_str());
        arm += t.arch == Arch::arm64;
        priced += t.price("us-east-1", Capacity::on_demand).has_value();
        ck_assert_msg(!t.price("us-east-1", Capacity::spot), "%s has an invented spot price", t.name.c_str());
    }
    ck_assert_uint_eq(arm, 51);
    ck_assert_uint_eq(priced, 152 - 9);  // hpc6a, hpc6id, 4 x hpc7a, hpc8a, p5e, trn2: no us-east-1 price
}
END_TEST

START_TEST(builtin_hpc7g) {
    Catalog c = Catalog::builtin();
    const InstanceType* t = c.find("hpc7g.16xlarge");
    ck_assert_ptr_nonnull(t);
    EXPECT_STR(t->name, "hpc7g.16xlarge");
    EXPECT_STR(t->family, "hpc7g");
    ck_assert(t->arch == Arch::arm64);
    ck_assert_uint_eq(t->vcpus, 64);
    ck_assert_uint_eq(t->memory_mib, 131072);
    ck_assert_uint_eq(t->gpus, 0);
    EXPECT_STR(t->gpu_model, "");
    ck_assert(t->efa);
    ck_assert_double_eq(t->network_gbps, 200.0);
    ck_assert_double_eq(*t->price("us-east-1", Capacity::on_demand), 1.6832);
    ck_assert(!t->price("us-east-1", Capacity::spot));
    ck_assert(!t->price("us-east-2", Capacity::on_demand));
    ck_assert_ptr_eq(c.find("HPC7G.16XLarge"), t);  // names are case-insensitive
}
END_TEST

START_TEST(builtin_unpriced) {
    Catalog c = Catalog::builtin();
    const InstanceType* t = c.find("hpc7a.96xlarge");
    ck_assert_ptr_nonnull(t);
    ck_assert(t->arch == Arch::x86_64);
    ck_assert_uint_eq(t->vcpus, 192);
    ck_assert_uint_eq(t->memory_mib, 786432);
    ck_assert(!t->price("us-east-1", Capacity::on_demand));  // never invented
    ck_assert(!t->price("us-east-1", Capacity::spot));
}
END_TEST

START_TEST(builtin_gpus) {
    Catalog c = Catalog::builtin();
    const InstanceType* p5 = c.find("p5.48xlarge");
    ck_assert_ptr_nonnull(p5);
    ck_assert_uint_eq(p5->gpus, 8);
    EXPECT_STR(p5->gpu_model, "h100");
    ck_assert_uint_eq(p5->gpu_memory_mib, 81920);
    ck_assert_uint_eq(p5->vcpus, 192);
    ck_assert_double_eq(*p5->price("us-east-1", Capacity::on_demand), 55.04);
    const InstanceType* g6e = c.find("g6e.12xlarge");
    ck_assert_uint_eq(g6e->gpus, 4);
    EXPECT_STR(g6e->gpu_model, "l40s");
    ck_assert_double_eq(*g6e->price("us-east-1", Capacity::on_demand), 10.49264);
    const InstanceType* trn = c.find("trn1.32xlarge");
    ck_assert_uint_eq(trn->gpus, 16);
    EXPECT_STR(trn->gpu_model, "trainium");
    ck_assert_uint_eq(trn->gpu_memory_mib, 0);  // unknown
    ck_assert_ptr_null(c.find("p5.96xlarge"));
    ck_assert_ptr_null(c.find(""));
    ck_assert(c.has_family("p5"));
    ck_assert(c.has_family("HPC7G"));
    ck_assert(!c.has_family("p5.48xlarge"));
    ck_assert(!c.has_family("z9"));
}
END_TEST

START_TEST(names) {
    ck_assert(*parse_arch("x86_64") == Arch::x86_64 && *parse_arch("AMD64") == Arch::x86_64);
    ck_assert(*parse_arch("arm64") == Arch::arm64 && *parse_arch("AArch64") == Arch::arm64);
    ck_assert(!parse_arch("i386") && !parse_arch("") && !parse_arch("any"));
    EXPECT_STR(arch_name(Arch::arm64), "arm64");
    EXPECT_STR(arch_name(Arch::x86_64), "x86_64");
#if defined(__aarch64__)
    ck_assert(host_arch() == Arch::arm64);
#elif defined(__x86_64__)
    ck_assert(host_arch() == Arch::x86_64);
#endif
    ck_assert(*parse_capacity("spot") == Capacity::spot && *parse_capacity("SPOT") == Capacity::spot);
    ck_assert(*parse_capacity("on-demand") == Capacity::on_demand && *parse_capacity("OnDemand") == Capacity::on_demand);
    ck_assert(!parse_capacity("reserved") && !parse_capacity("") && !parse_capacity("on demand"));
    EXPECT_STR(capacity_name(Capacity::spot), "spot");
    EXPECT_STR(capacity_name(Capacity::on_demand), "on-demand");
}
END_TEST

START_TEST(merge_price_override) {
    Catalog c = Catalog::builtin();
    c.merge_csv("# site prices\n"
                "instance_type,region,ondemand_usd_per_hour,spot_usd_per_hour\n"
                "HPC7G.16xlarge,us-east-1,,0.55\n"
                "hpc7a.96xlarge,eu-north-1,7.20,2.5\n"
                "c7gn.16xlarge,US-EAST-1,4.10,\n",
                "site.csv");
    ck_assert_uint_eq(c.types().size(), 152);
    const InstanceType* g = c.find("hpc7g.16xlarge");
    ck_assert_double_eq(*g->price("us-east-1", Capacity::on_demand), 1.6832);  // empty cell: kept
    ck_assert_double_eq(*g->price("us-east-1", Capacity::spot), 0.55);
    ck_assert_uint_eq(g->vcpus, 64);
    const InstanceType* h = c.find("hpc7a.96xlarge");
    ck_assert(!h->price("us-east-1", Capacity::on_demand));
    ck_assert_double_eq(*h->price("eu-north-1", Capacity::on_demand), 7.2);
    ck_assert_double_eq(*h->price("eu-north-1", Capacity::spot), 2.5);
    ck_assert_double_eq(*c.find("c7gn.16xlarge")->price("us-east-1", Capacity::on_demand), 4.1);

    // The built-in file's per-region column form.
    c.merge_csv("instance_type,ondemand_usd_per_hour_us_west_2,vcpus,efa\nc7i.large,0.0893,3,no\n", "b.csv");
    const InstanceType* i = c.find("c7i.large");
    ck_assert_double_eq(*i->price("us-west-2", Capacity::on_demand), 0.0893);
    ck_assert_double_eq(*i->price("us-east-1", Capacity::on_demand), 0.08925);
    ck_assert_uint_eq(i->vcpus, 3);
    ck_assert(!i->efa);
    ck_assert_uint_eq(i->memory_mib, 4096);
}
END_TEST

START_TEST(merge_new_type) {
    Catalog c = Catalog::builtin();
    c.merge_csv("instance_type,arch,vcpus,memory_mib,gpus,gpu_model,gpu_memory_mib,efa,network_gbps\n"
                "zz9.metal,aarch64,128,262144,2,H200,144384,true,400\n"
                "zz9-small.large,x86_64,2,4096,,,,,\n",
                "new.csv");
    ck_assert_uint_eq(c.types().size(), 154);
    const InstanceType* t = c.find("ZZ9.METAL");
    ck_assert_ptr_nonnull(t);
    EXPECT_STR(t->name, "zz9.metal");
    EXPECT_STR(t->family, "zz9");  // from the name when no family column
    ck_assert(t->arch == Arch::arm64);
    ck_assert_uint_eq(t->vcpus, 128);
    ck_assert_uint_eq(t->memory_mib, 262144);
    ck_assert_uint_eq(t->gpus, 2);
    EXPECT_STR(t->gpu_model, "h200");
    ck_assert_uint_eq(t->gpu_memory_mib, 144384);
    ck_assert(t->efa);
    ck_assert_double_eq(t->network_gbps, 400.0);
    ck_assert(t->regions.empty());
    ck_assert(t->offered_in("us-east-1") == Offered::unknown);
    ck_assert(!t->price("us-east-1", Capacity::on_demand));
    ck_assert(c.has_family("zz9"));
    EXPECT_STR(c.find("zz9-small.large")->family, "zz9-small");
    ck_assert_ptr_eq(&c.types().back(), c.find("zz9-small.large"));
}
END_TEST

START_TEST(merge_strong_guarantee) {
    Catalog c = Catalog::builtin();
    // The first rows are fine; the last is not: nothing may change.
    const char* bad[] = {
        "instance_type,region,ondemand_usd_per_hour\nhpc7g.16xlarge,us-east-1,9.99\nzz1.big,us-east-1,1\n",
        "instance_type,arch,vcpus,memory_mib\nzz9.metal,arm64,128,262144\nhpc7g.16xlarge,arm64,many,1\n",
        "instance_type,vcpus\nhpc7g.16xlarge,1\nc7i.large,2,3\n",
    };
    for (const char* text : bad) {
        bool threw = false;
        try {
            c.merge_csv(text, "bad.csv");
        } catch (const ConfigError& e) {
            threw = true;
            EXPECT_STR(e.file(), "bad.csv");
            ck_assert_uint_eq(e.line(), 3);
        }
        ck_assert(threw);
        ck_assert_uint_eq(c.types().size(), 152);
        ck_assert_ptr_null(c.find("zz9.metal"));
        ck_assert_ptr_null(c.find("zz1.big"));
        const InstanceType* g = c.find("hpc7g.16xlarge");
        ck_assert_double_eq(*g->price("us-east-1", Capacity::on_demand), 1.6832);
        ck_assert_uint_eq(g->vcpus, 64);
    }
    auto e = CONFIG_ERROR(c.merge_csv("instance_type,region,ondemand_usd_per_hour\nhpc7g.16xlarge,us-east-1,9.99\nzz1.big,us-east-1,1\n", "bad.csv"));
    EXPECT_STR(e.what, "bad.csv:3: instance_type: new instance type zz1.big needs arch, vcpus and memory_mib");
    e = CONFIG_ERROR(c.merge_csv("", "empty.csv"));
    EXPECT_STR(e.what, "empty.csv:0: no header line");
}
END_TEST

// Reading the files is load_config's (test_conf.cpp: err_unreadable_catalog, files_must_be_regular).
START_TEST(merge_crlf) {
    Catalog c = Catalog::builtin();
    c.merge_csv("instance_type,region,spot_usd_per_hour\r\nc7i.large,us-east-1,0.03\r\n", "ok.csv");  // CRLF line ends are fine
    ck_assert_double_eq(*c.find("c7i.large")->price("us-east-1", Capacity::spot), 0.03);
}
END_TEST

START_TEST(builtin_regions) {
    Catalog c = Catalog::builtin();
    ck_assert_uint_eq(c.types().size(), 152);  // trn2.3xlarge: offerings without specs, left out
    ck_assert_ptr_null(c.find("trn2.3xlarge"));
    size_t offers = 0;
    for (const InstanceType& t : c.types()) offers += t.regions.size();
    ck_assert_uint_eq(offers, 2101 - 1);  // every row of the offerings file but trn2.3xlarge's
    const InstanceType* hpc7a = c.find("hpc7a.96xlarge");
    ck_assert(hpc7a->offered_in("us-east-1") == Offered::no);
    ck_assert(hpc7a->offered_in("eu-north-1") == Offered::yes);
    EXPECT_STR(hpc7a->region_list(), "eu-north-1, eu-west-1, eu-west-3, us-east-2");
    ck_assert_double_eq(*hpc7a->price("us-east-2", Capacity::on_demand), 7.2);
    ck_assert(!hpc7a->price("us-east-2", Capacity::spot));  // no spot for hpc: none invented
    const InstanceType* hpc7g = c.find("hpc7g.16xlarge");
    const RegionOffer* use1 = hpc7g->in_region("us-east-1");
    ck_assert_ptr_nonnull(use1);
    ck_assert_uint_eq(use1->zones.size(), 1);
    EXPECT_STR(use1->zones[0], "use1-az6");
    ck_assert(hpc7g->offered_in_zone("us-east-1", "use1-az6") == Offered::yes);
    ck_assert(hpc7g->offered_in_zone("us-east-1", "use1-az1") == Offered::no);
    ck_assert(hpc7g->offered_in_zone("us-east-2", "use2-az1") == Offered::no);
    ck_assert(hpc7g->offered_in_zone("us-east-1", "") == Offered::unknown);
    const InstanceType* c7g = c.find("c7g.large");
    const RegionOffer* r = c7g->in_region("us-east-1");
    ck_assert_double_eq(*r->spot_snapshot_min, 0.0386);
    ck_assert_double_eq(*r->spot_snapshot_max, 0.0631);
    ck_assert(!c7g->price("us-east-1", Capacity::spot));  // until price_spot_from_snapshot()
    ck_assert(c.knows_region("af-south-1"));
    ck_assert(!c.knows_region("xx-nowhere-1"));
    // The offerings file's us-east-1 figure replaces the specs file's where they differ.
    ck_assert_double_eq(*c.find("c7i.metal-24xl")->price("us-east-1", Capacity::on_demand), 4.284);
}
END_TEST

START_TEST(spot_from_snapshot) {
    Catalog c = Catalog::builtin();
    c.merge_csv("instance_type,region,spot_usd_per_hour\nc7g.xlarge,us-east-1,0.07\n", "current.csv");
    Catalog low = c;
    c.price_spot_from_snapshot(SpotSnapshotEnd::max);
    low.price_spot_from_snapshot(SpotSnapshotEnd::min);
    const RegionOffer* hi = c.find("c7g.large")->in_region("us-east-1");
    ck_assert_double_eq(*hi->usd_per_hour[static_cast<int>(Capacity::spot)], 0.0631);
    ck_assert(hi->spot_is_snapshot);
    ck_assert_double_eq(*low.find("c7g.large")->price("us-east-1", Capacity::spot), 0.0386);
    // A current price (refresh, admin file) wins over the snapshot, at either end.
    const RegionOffer* cur = c.find("c7g.xlarge")->in_region("us-east-1");
    ck_assert_double_eq(*cur->usd_per_hour[static_cast<int>(Capacity::spot)], 0.07);
    ck_assert(!cur->spot_is_snapshot);
    ck_assert(!c.find("hpc7g.16xlarge")->price("us-east-1", Capacity::spot));  // no snapshot: still unknown
    ck_assert(!c.find("hpc7g.16xlarge")->in_region("us-east-1")->spot_is_snapshot);
    ck_assert(parse_spot_snapshot_end("MIN") == SpotSnapshotEnd::min);
    ck_assert(!parse_spot_snapshot_end("median"));
}
END_TEST

START_TEST(merge_offerings) {
    Catalog c = Catalog::builtin();
    // A region row declares the offering, with or without zones and prices.
    c.merge_csv("instance_type,region,availability_zones,on_demand_usd_per_hour\n"
                "hpc7a.96xlarge,us-east-1,USE1-AZ6;use1-az6,\n"
                "hpc7a.96xlarge,xx-new-1,,\n",
                "offers.csv");
    const InstanceType* t = c.find("hpc7a.96xlarge");
    ck_assert(t->offered_in("us-east-1") == Offered::yes);
    ck_assert_uint_eq(t->in_region("us-east-1")->zones.size(), 1);  // lower-cased, deduplicated
    ck_assert(!t->price("us-east-1", Capacity::on_demand));
    ck_assert(t->offered_in("xx-new-1") == Offered::yes);
    ck_assert(t->offered_in_zone("xx-new-1", "xxn1-az1") == Offered::unknown);  // zones unknown
    ck_assert(c.knows_region("xx-new-1"));
    // Unknown types are added (given specs) or, for the built-in offerings, skipped.
    c.merge_csv("instance_type,region,availability_zones\nzz1.large,us-east-1,use1-az1\n", "skip.csv",
                Catalog::UnknownTypes::skip);
    ck_assert_ptr_null(c.find("zz1.large"));

    CaughtError e = CONFIG_ERROR(c.merge_csv("instance_type,region,availability_zones\nc7g.large,us-east-1,use1 az1\n", "z.csv"));
    EXPECT_STR(e.what, "z.csv:2: availability_zones: not a zone ID list (use1-az1;use1-az2): use1 az1");
    e = CONFIG_ERROR(c.merge_csv("instance_type,availability_zones\nc7g.large,use1-az1\n", "z.csv"));
    EXPECT_STR(e.what, "z.csv:2: availability_zones: zones need a region cell");
    e = CONFIG_ERROR(c.merge_csv("instance_type,region,spot_usd_per_hour_min,spot_usd_per_hour_max\n"
                                 "c7g.large,us-east-1,0.5,0.4\n", "s.csv"));
    EXPECT_STR(e.what, "s.csv:2: spot_usd_per_hour_min: the spot range of c7g.large in us-east-1 has its minimum above its maximum");
    e = CONFIG_ERROR(c.merge_csv("instance_type,region\nc7g.large,us east\n", "r.csv"));
    EXPECT_STR(e.what, "r.csv:2: region: not a region name (us-east-1): us east");
    std::string many = "a-az0";
    for (int i = 1; i <= 64; ++i) many += ";a-az" + std::to_string(i);
    e = CONFIG_ERROR(c.merge_csv("instance_type,region,availability_zones\nc7g.large,us-east-1," + many + "\n", "m.csv"));
    EXPECT_STR(e.key, "availability_zones");
    ck_assert(c.find("c7g.large")->in_region("us-east-1")->zones.size() == 5);  // unchanged
}
END_TEST

Suite* catalog_suite() {
    Suite* s = suite_create("catalog");
    TCase* tc = make_tcase("builtin");
    tcase_add_test(tc, builtin_size);
    tcase_add_test(tc, builtin_hpc7g);
    tcase_add_test(tc, builtin_unpriced);
    tcase_add_test(tc, builtin_gpus);
    tcase_add_test(tc, names);
    tcase_add_test(tc, builtin_regions);
    tcase_add_test(tc, spot_from_snapshot);
    suite_add_tcase(s, tc);
    tc = make_tcase("merge");
    tcase_add_test(tc, merge_price_override);
    tcase_add_test(tc, merge_new_type);
    tcase_add_test(tc, merge_strong_guarantee);
    tcase_add_test(tc, merge_crlf);
    tcase_add_test(tc, merge_offerings);
    suite_add_tcase(s, tc);
    return s;
}
