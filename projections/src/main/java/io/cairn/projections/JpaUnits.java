package io.cairn.projections;

import java.net.URL;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import javax.sql.DataSource;

import jakarta.persistence.EntityManagerFactory;
import jakarta.persistence.SharedCacheMode;
import jakarta.persistence.ValidationMode;
import jakarta.persistence.spi.ClassTransformer;
import jakarta.persistence.spi.PersistenceProvider;
import jakarta.persistence.spi.PersistenceProviderResolverHolder;
import jakarta.persistence.spi.PersistenceUnitInfo;
import jakarta.persistence.spi.PersistenceUnitTransactionType;

/**
 * Builds an entity manager factory for a {@link JpaProjection} in code, with no persistence.xml: the platform
 * database is chosen at run time (so it cannot be named in XML), and the entity classes are the projection's. A
 * {@code RESOURCE_LOCAL} unit over the given DataSource, through whichever provider the runtime offers (EclipseLink
 * in Liberty's persistence-3.1 and in the tests). The shared (second-level) cache is off: a rebuild, a reset or a
 * second runtime change rows behind the factory's back.
 */
final class JpaUnits {
    private JpaUnits() {
    }

    static EntityManagerFactory create(JpaProjection p, DataSource ds) {
        List<PersistenceProvider> providers = PersistenceProviderResolverHolder.getPersistenceProviderResolver()
                .getPersistenceProviders();
        if (providers.isEmpty()) {
            throw new IllegalStateException("No Jakarta Persistence provider found for projection " + p.name());
        }
        Map<String, Object> props = Map.of(
                "eclipselink.weaving", "false",
                "eclipselink.cache.shared.default", "false",
                "eclipselink.logging.level", "SEVERE",
                "eclipselink.target-database", "PostgreSQL",
                "jakarta.persistence.nonJtaDataSource", ds);
        return providers.get(0).createContainerEntityManagerFactory(new Unit(p, ds), props);
    }

    /** Where the projection's classes come from (EclipseLink names the unit after it); any URL will do. */
    private static URL rootUrl(JpaProjection p) {
        try {
            var source = p.getClass().getProtectionDomain().getCodeSource();
            if (source != null && source.getLocation() != null) {
                return source.getLocation();
            }
            return new URL("file:/cairn-projections/" + p.name() + "/");
        } catch (java.net.MalformedURLException | SecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private record Unit(JpaProjection p, DataSource ds) implements PersistenceUnitInfo {
        @Override public String getPersistenceUnitName() { return "cairn-projection-" + p.name(); }
        @Override public String getPersistenceProviderClassName() { return null; }
        @Override public PersistenceUnitTransactionType getTransactionType() { return PersistenceUnitTransactionType.RESOURCE_LOCAL; }
        @Override public DataSource getJtaDataSource() { return null; }
        @Override public DataSource getNonJtaDataSource() { return ds; }
        @Override public List<String> getMappingFileNames() { return List.of(); }
        @Override public List<URL> getJarFileUrls() { return List.of(); }
        @Override public URL getPersistenceUnitRootUrl() { return rootUrl(p); }
        @Override public List<String> getManagedClassNames() { return p.entities().stream().map(Class::getName).toList(); }
        @Override public boolean excludeUnlistedClasses() { return true; }
        @Override public SharedCacheMode getSharedCacheMode() { return SharedCacheMode.NONE; }
        @Override public ValidationMode getValidationMode() { return ValidationMode.NONE; }
        @Override public Properties getProperties() { return new Properties(); }
        @Override public String getPersistenceXMLSchemaVersion() { return "3.0"; }
        @Override public ClassLoader getClassLoader() { return p.getClass().getClassLoader(); }
        @Override public void addTransformer(ClassTransformer transformer) { }
        @Override public ClassLoader getNewTempClassLoader() { return p.getClass().getClassLoader(); }
    }
}
