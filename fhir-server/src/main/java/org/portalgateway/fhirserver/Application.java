package org.portalgateway.fhirserver;

import ca.uhn.fhir.batch2.jobs.config.Batch2JobsConfig;
import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.support.IValidationSupport;
import ca.uhn.fhir.jpa.api.IDaoRegistry;
import ca.uhn.fhir.jpa.api.config.JpaStorageSettings;
import ca.uhn.fhir.jpa.api.config.JpaStorageSettings.ClientIdStrategyEnum;
import ca.uhn.fhir.jpa.api.config.JpaStorageSettings.IdStrategyEnum;
import ca.uhn.fhir.jpa.api.config.ThreadPoolFactoryConfig;
import ca.uhn.fhir.jpa.api.dao.IFhirSystemDao;
import ca.uhn.fhir.jpa.batch2.JpaBatch2Config;
import ca.uhn.fhir.jpa.binary.api.IBinaryStorageSvc;
import ca.uhn.fhir.jpa.binstore.DatabaseBinaryContentStorageSvcImpl;
import ca.uhn.fhir.jpa.config.JpaConfig;
import ca.uhn.fhir.jpa.config.r4.JpaR4Config;
import ca.uhn.fhir.jpa.config.util.HapiEntityManagerFactoryUtil;
import ca.uhn.fhir.jpa.config.util.ResourceCountCacheUtil;
import ca.uhn.fhir.jpa.dao.FulltextSearchSvcImpl;
import ca.uhn.fhir.jpa.dao.IFulltextSearchSvc;
import ca.uhn.fhir.jpa.dao.search.HSearchSortHelperImpl;
import ca.uhn.fhir.jpa.dao.search.IHSearchSortHelper;
import ca.uhn.fhir.jpa.graphql.GraphQLProvider;
import ca.uhn.fhir.jpa.model.config.PartitionSettings;
import ca.uhn.fhir.jpa.model.config.SubscriptionSettings;
import ca.uhn.fhir.jpa.provider.DaoRegistryResourceSupportedSvc;
import ca.uhn.fhir.jpa.provider.IJpaSystemProvider;
import ca.uhn.fhir.jpa.provider.JpaCapabilityStatementProvider;
import ca.uhn.fhir.jpa.search.DatabaseBackedPagingProvider;
import ca.uhn.fhir.jpa.search.IStaleSearchDeletingSvc;
import ca.uhn.fhir.jpa.search.StaleSearchDeletingSvcImpl;
import ca.uhn.fhir.jpa.subscription.channel.config.SubscriptionChannelConfig;
import ca.uhn.fhir.jpa.util.ResourceCountCache;
import ca.uhn.fhir.rest.api.EncodingEnum;
import ca.uhn.fhir.rest.api.IResourceSupportedSvc;
import ca.uhn.fhir.rest.server.ETagSupportEnum;
import ca.uhn.fhir.rest.server.RestfulServer;
import ca.uhn.fhir.rest.server.provider.ResourceProviderFactory;
import ca.uhn.fhir.rest.server.util.ISearchParamRegistry;
import jakarta.persistence.EntityManagerFactory;
import javax.sql.DataSource;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.autoconfigure.elasticsearch.ElasticsearchClientAutoConfiguration;
import org.springframework.boot.autoconfigure.elasticsearch.ElasticsearchRestClientAutoConfiguration;
import org.springframework.boot.autoconfigure.orm.jpa.JpaProperties;
import org.springframework.boot.autoconfigure.quartz.QuartzAutoConfiguration;
import org.springframework.boot.autoconfigure.thymeleaf.ThymeleafAutoConfiguration;
import org.springframework.boot.web.servlet.ServletRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.Primary;
import org.springframework.orm.jpa.JpaTransactionManager;
import org.springframework.orm.jpa.LocalContainerEntityManagerFactoryBean;

/**
 * The portal's local HAPI FHIR JPA server (R4): HAPI's own Spring configs plus the few beans they expect the
 * host application to supply (storage settings, EntityManagerFactory, paging, the RestfulServer servlet).
 * Everything runtime-specific (database, port, page sizes, $graphql) comes from application.yaml.
 */
// HAPI runs its own Quartz scheduler; Boot's would start a second one. Thymeleaf is only for narratives.
// HAPI drags the Elasticsearch client onto the classpath; Boot would then build one that sniffs localhost:9200.
@SpringBootApplication(exclude = {QuartzAutoConfiguration.class, ThymeleafAutoConfiguration.class,
		ElasticsearchClientAutoConfiguration.class, ElasticsearchRestClientAutoConfiguration.class})
// SubscriptionChannelConfig supplies the in-JVM message broker that batch2 jobs ($delete-expunge, reindex) need,
// not subscriptions themselves (those stay off: SubscriptionSettings has no channel types).
@Import({JpaR4Config.class, ThreadPoolFactoryConfig.class, JpaBatch2Config.class, Batch2JobsConfig.class,
		SubscriptionChannelConfig.class})
public class Application {

	public static void main(String[] args) {
		SpringApplication.run(Application.class, args);
	}

	@Bean
	public JpaStorageSettings storageSettings() {
		JpaStorageSettings s = new JpaStorageSettings();
		// HAPI reuses the result list of an identical search for 60 s by default, so a search right after a
		// write could miss it. Tests (and the gateway's read-your-writes promise) need every search to run.
		s.setReuseCachedSearchResultsForMillis(null);
		// Fixtures PUT their own ids, including numeric-looking ones ("123"). ANY allows that; server ids then
		// become UUIDs so a server-assigned id can never collide with a later client-chosen numeric one.
		s.setResourceClientIdStrategy(ClientIdStrategyEnum.ANY);
		s.setResourceServerIdStrategy(IdStrategyEnum.UUID);
		// POST [base]/$expunge with expungeEverything=true resets the database between tests.
		s.setExpungeEnabled(true);
		s.setDeleteExpungeEnabled(true);
		s.setAllowMultipleDelete(true);
		// Nothing here uses terminology expansion; skip the background pre-expansion work at start-up.
		s.setPreExpandValueSets(false);
		s.setEnableTaskPreExpandValueSets(false);
		return s;
	}

	@Bean // defaults: partitioning off
	public PartitionSettings partitionSettings() { return new PartitionSettings(); }

	@Bean // defaults: no subscription channel types, so subscriptions are off
	public SubscriptionSettings subscriptionSettings() { return new SubscriptionSettings(); }

	@Bean
	@Primary
	public LocalContainerEntityManagerFactoryBean entityManagerFactory(ConfigurableListableBeanFactory beanFactory,
			FhirContext fhirContext, JpaStorageSettings storageSettings, DataSource dataSource, JpaProperties jpa) {
		LocalContainerEntityManagerFactoryBean emf =
				HapiEntityManagerFactoryUtil.newEntityManagerFactory(beanFactory, fhirContext, storageSettings);
		emf.setPersistenceUnitName("HAPI_PU");
		emf.setDataSource(dataSource);
		// spring.jpa.properties.* from application.yaml: dialect (always explicit), hbm2ddl, search off.
		emf.getJpaPropertyMap().putAll(jpa.getProperties());
		return emf;
	}

	@Bean
	@Primary
	public JpaTransactionManager transactionManager(EntityManagerFactory emf) { return new JpaTransactionManager(emf); }

	// HAPI wires these two into its search code even when Hibernate Search (full text) is switched off.
	@Bean
	public IFulltextSearchSvc fullTextSearchSvc() { return new FulltextSearchSvcImpl(); }

	@Bean
	public IHSearchSortHelper hSearchSortHelper(ISearchParamRegistry spr) { return new HSearchSortHelperImpl(spr); }

	@Bean // deletes expired stored search results (paging state) on HAPI's scheduler
	public IStaleSearchDeletingSvc staleSearchDeletingSvc() { return new StaleSearchDeletingSvcImpl(); }

	@Bean
	public DatabaseBackedPagingProvider databaseBackedPagingProvider(
			@Value("${portal.fhir.default-page-size:20}") int defaultPageSize,
			@Value("${portal.fhir.max-page-size:100}") int maxPageSize) {
		DatabaseBackedPagingProvider paging = new DatabaseBackedPagingProvider();
		paging.setDefaultPageSize(defaultPageSize);
		paging.setMaximumPageSize(maxPageSize); // a larger _count is silently capped to this
		return paging;
	}

	@Bean
	public IResourceSupportedSvc resourceSupportedSvc(IDaoRegistry dr) { return new DaoRegistryResourceSupportedSvc(dr); }

	@Bean(name = "myResourceCountsCache")
	public ResourceCountCache resourceCountsCache(IFhirSystemDao<?, ?> systemDao) {
		return ResourceCountCacheUtil.newResourceCountCache(systemDao);
	}

	@Bean // Binary resources are stored in the database
	public IBinaryStorageSvc binaryStorageSvc() { return new DatabaseBinaryContentStorageSvcImpl(); }

	@Bean
	public RestfulServer restfulServer(IFhirSystemDao<?, ?> systemDao, ResourceProviderFactory resourceProviders,
			IJpaSystemProvider systemProvider, JpaStorageSettings storageSettings,
			ISearchParamRegistry searchParamRegistry, IValidationSupport validationSupport,
			DatabaseBackedPagingProvider pagingProvider,
			@Qualifier(JpaConfig.GRAPHQL_PROVIDER_NAME) ObjectProvider<GraphQLProvider> graphQLProvider,
			@Value("${portal.fhir.graphql-enabled:false}") boolean graphqlEnabled) {
		RestfulServer server = new RestfulServer(systemDao.getContext());
		server.registerProviders(resourceProviders.createProviders()); // per-type CRUD, search, $validate
		server.registerProvider(systemProvider); // transaction/batch, history, $expunge
		server.setServerConformanceProvider(new JpaCapabilityStatementProvider(
				server, systemDao, storageSettings, searchParamRegistry, validationSupport));
		server.setPagingProvider(pagingProvider);
		server.setDefaultResponseEncoding(EncodingEnum.JSON);
		server.setETagSupport(ETagSupportEnum.ENABLED); // the default; explicit because If-Match relies on it
		if (graphqlEnabled) {
			// The provider bean is @Lazy in JpaR4Config, so it is only built when switched on.
			server.registerProvider(graphQLProvider.getObject());
		}
		return server;
	}

	@Bean
	public ServletRegistrationBean<RestfulServer> fhirServlet(RestfulServer server) {
		ServletRegistrationBean<RestfulServer> registration = new ServletRegistrationBean<>(server, "/fhir/*");
		registration.setName("fhirServlet");
		registration.setLoadOnStartup(1); // initialise at start-up, so "/fhir/metadata answers" means ready
		return registration;
	}
}
