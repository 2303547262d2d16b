// Unit tests of Go version parsing and the supported window.
#include <gtest/gtest.h>

#include "core/version.h"

namespace gomap {
namespace {

TEST(GoVersion, ParsesReleaseAndExperiments) {
  GoVersion v = GoVersion::Parse("go1.24.13 X:noswissmap,foo");
  EXPECT_EQ(v.major, 1);
  EXPECT_EQ(v.minor, 24);
  EXPECT_EQ(v.patch, 13);
  EXPECT_TRUE(v.HasExperiment("noswissmap"));
  EXPECT_TRUE(v.HasExperiment("foo"));
  EXPECT_FALSE(v.HasExperiment("swissmap"));
}

TEST(GoVersion, ParsesDashExperiments) {
  // go1.27 spells runtime.Version() with a dash before the experiments.
  GoVersion v = GoVersion::Parse("go1.27.4-X:mapsplitgroup");
  EXPECT_EQ(v.minor, 27);
  EXPECT_EQ(v.patch, 4);
  EXPECT_TRUE(v.HasExperiment("mapsplitgroup"));
}

TEST(GoVersion, ParsesProducerAndRc) {
  GoVersion p = GoVersion::Parse("Go cmd/compile go1.19.8; regabi");
  EXPECT_EQ(p.minor, 19);
  EXPECT_EQ(p.patch, 8);
  EXPECT_TRUE(p.experiments.empty());
  GoVersion rc = GoVersion::Parse("go1.27rc2");
  EXPECT_EQ(rc.minor, 27);
  EXPECT_EQ(rc.patch, 0);
}

TEST(GoVersion, UnknownAndWindow) {
  EXPECT_FALSE(GoVersion::Parse("devel +abc").Known());
  EXPECT_FALSE(GoVersion::Parse("").Known());
  EXPECT_EQ(CheckSupported(GoVersion::Parse("go1.19.8")), "");
  EXPECT_EQ(CheckSupported(GoVersion::Parse("go1.27.4")), "");
  EXPECT_NE(CheckSupported(GoVersion::Parse("go1.18.10")), "");
  EXPECT_NE(CheckSupported(GoVersion::Parse("go1.28.0")), "");
  EXPECT_NE(CheckSupported(GoVersion::Parse("go1.18.10")).find("outside the supported window"),
            std::string::npos);
}

} // namespace
} // namespace gomap
