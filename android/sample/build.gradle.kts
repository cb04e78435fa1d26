// The sample app: the bundled sample drama (examples/mini-drama) in a MinihostView.
plugins {
    id("com.android.application")
    id("org.jetbrains.kotlin.android")
}

val repo = rootDir.parentFile
val sampleAssets = layout.buildDirectory.dir("sampleAssets")

android {
    namespace = "dev.minihost.sample"
    compileSdk = 34
    defaultConfig {
        applicationId = "dev.minihost.sample"
        minSdk = 24
        targetSdk = 34
        versionCode = 1
        versionName = "0.1.0"
    }
    sourceSets["main"].java.srcDir("src/main/kotlin")
    sourceSets["main"].assets.srcDir(sampleAssets)
    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
    }
}

kotlin {
    jvmToolchain(17)
}

dependencies {
    implementation(project(":minihost-android"))
    implementation("net.java.dev.jna:jna:5.19.1@aar")
}

// The sample drama as a packaged app (HostConfig.appPackage), as `minihost build` would pack it.
val packSample by tasks.registering(Zip::class) {
    from("$repo/examples/mini-drama")
    archiveFileName.set("mini-drama.zip")
    destinationDirectory.set(sampleAssets)
}

tasks.named("preBuild") { dependsOn(packSample) }
