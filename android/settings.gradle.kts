// The Android build, for machines with the Android SDK (and the NDK for the native library).
// From the repository root: `cd android && gradle :sample:installDebug` (or add a wrapper with
// `gradle wrapper`). Maven (pom.xml) compiles the same Kotlin sources on machines without the SDK.
pluginManagement {
    repositories {
        google()
        mavenCentral()
        gradlePluginPortal()
    }
}

dependencyResolutionManagement {
    repositories {
        google()
        mavenCentral()
    }
}

rootProject.name = "minihost-android"
include(":minihost-android", ":sample")
