package io.cairn.server.domain;

import java.io.InputStream;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.regex.Pattern;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.json.JsonNumber;
import jakarta.json.JsonObject;
import jakarta.json.JsonValue;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;
import jakarta.ws.rs.sse.SseEventSink;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import io.cairn.log.store.ConcurrencyConflictException;
import io.cairn.sdk.aggregate.AggregateNotFoundException;
import io.cairn.sdk.command.CommandValidationException;
import io.cairn.sdk.example.bank.BankQueries.AccountView;
import io.cairn.sdk.example.bank.BankQueries.FindAccount;
import io.cairn.sdk.example.bank.BankQueries.FindTransfer;
import io.cairn.sdk.example.bank.BankQueries.ListAccounts;
import io.cairn.sdk.example.bank.BankQueries.TransferView;
import io.cairn.sdk.example.bank.Deposit;
import io.cairn.sdk.example.bank.InsufficientFunds;
import io.cairn.sdk.example.bank.OpenAccount;
import io.cairn.sdk.example.bank.RequestTransfer;
import io.cairn.sdk.example.bank.Withdraw;
import io.cairn.sdk.query.SubscriptionQueryResult;
import io.cairn.sdk.runtime.DomainRuntime;
import io.cairn.server.ApiException;
import io.cairn.server.ProblemType;
import io.cairn.server.RequestSizeLimit;
import io.cairn.server.topics.JsonBodies;

/**
 * The bank example over HTTP, {@code /api/bank}: commands go through the domain runtime's command gateway (answered
 * once their events are durable), reads come from the bank read model through the query gateway (so they may lag a
 * command by a moment). Amounts are whole minor units (cents). Bad input is a 400 problem document and nothing is
 * appended; a command the domain refuses (insufficient funds, closed account) is a 409; an unknown account is a 404.
 */
@Path("bank")
@ApplicationScoped
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Bank", description = "The example domain: accounts and money transfers through a saga")
public class BankResource {
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9._-]{1,64}");
    private static final int MAX_BODY = 16 * 1024;

    private static final int MAX_STREAMS = 100;

    @Inject
    DomainRuntimeHolder holder;

    private final AtomicInteger openStreams = new AtomicInteger();

    /** Reply to a command on an account. */
    public record Balance(String accountId, long balance) { }

    /** Reply to a transfer request. */
    public record TransferAccepted(String transferId, String status) { }

    @POST
    @Path("accounts")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Open an account: {\"accountId\"?, \"owner\", \"overdraftLimit\"?}")
    public Response open(InputStream body) {
        JsonObject o = body(body, "The account", Set.of("accountId", "owner", "overdraftLimit"));
        String id = id(o, "accountId");
        String owner = JsonBodies.optionalString(o, "owner", "account");
        Long overdraft = optionalLong(o, "overdraftLimit", "account");
        try {
            send(new OpenAccount(id, owner, overdraft == null ? 0 : overdraft));
        } catch (ConcurrencyConflictException exists) {
            throw new ApiException(ProblemType.CONCURRENCY_CONFLICT, "account " + id + " already exists");
        }
        return Response.created(URI.create("bank/accounts/" + id)).entity(new Balance(id, 0)).build();
    }

    @POST
    @Path("accounts/{id}/deposits")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Pay money into an account: {\"amount\"} in minor units")
    public Balance deposit(@PathParam("id") String id, InputStream body) {
        return move(id, body, "deposit", Deposit::new);
    }

    @POST
    @Path("accounts/{id}/withdrawals")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Take money out of an account: {\"amount\"} in minor units")
    public Balance withdraw(@PathParam("id") String id, InputStream body) {
        return move(id, body, "withdrawal", Withdraw::new);
    }

    /** A deposit or withdrawal: {@code {"amount": n}} in, the new balance out. */
    private Balance move(String id, InputStream body, String what, BiFunction<String, Long, Object> command) {
        long amount = amount(body(body, "The " + what, Set.of("amount")), what);
        long balance = send(command.apply(pathId(id), amount));
        return new Balance(id, balance);
    }

    @GET
    @Path("accounts")
    @Operation(summary = "Every account, from the read model")
    @SuppressWarnings("unchecked")
    public List<AccountView> accounts() {
        return query(new ListAccounts(), List.class);
    }

    @GET
    @Path("accounts/{id}")
    @Operation(summary = "An account's balance and recent transfers, from the read model")
    public AccountView account(@PathParam("id") String id) {
        AccountView a = query(new FindAccount(pathId(id)), AccountView.class);
        if (a == null) {
            throw new ApiException(ProblemType.UNKNOWN_AGGREGATE, "no account " + id
                    + " (a new one shows here a moment after it was opened)");
        }
        return a;
    }

    /**
     * The account's view as server-sent events: the current one at once, then every change (event name
     * {@code account}, JSON data), from a subscription query on the read model. Each update is sent after the
     * previous one was written (back-pressure); a client that disconnects is noticed at the next update. At most
     * {@value #MAX_STREAMS} streams are open at once (503 beyond).
     */
    @GET
    @Path("accounts/{id}/updates")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @Operation(summary = "Stream of the account's view: now, then after every change (text/event-stream)")
    public void updates(@PathParam("id") String id, @Context SseEventSink sink, @Context Sse sse) {
        account(id);   // 404 before the stream opens
        if (openStreams.incrementAndGet() > MAX_STREAMS) {
            openStreams.decrementAndGet();
            throw new DomainUnavailableException("too many open update streams (" + MAX_STREAMS + ")", true);
        }
        SubscriptionQueryResult<AccountView, AccountView> subscription = runtime().queryGateway()
                .subscriptionQuery(new FindAccount(id), AccountView.class, AccountView.class);
        Runnable end = () -> {
            subscription.close();
            if (!sink.isClosed()) {
                sink.close();
            }
        };
        Function<AccountView, OutboundSseEvent> event = a -> sse.newEventBuilder().name("account")
                .mediaType(MediaType.APPLICATION_JSON_TYPE).data(AccountView.class, a).build();
        sink.send(event.apply(subscription.initialResult().join())).whenComplete((ok, failed) -> {
            if (failed != null) {
                end.run();
                openStreams.decrementAndGet();
                return;
            }
            subscription.updates().subscribe(new Flow.Subscriber<>() {
                private Flow.Subscription upstream;

                @Override
                public void onSubscribe(Flow.Subscription s) {
                    upstream = s;
                    s.request(1);
                }

                @Override
                public void onNext(AccountView a) {
                    sink.send(event.apply(a)).whenComplete((sent, error) -> {
                        if (error != null || sink.isClosed()) {
                            end.run();
                        } else {
                            upstream.request(1);
                        }
                    });
                }

                @Override
                public void onError(Throwable t) {
                    end.run();
                    openStreams.decrementAndGet();
                }

                @Override
                public void onComplete() {
                    end.run();
                    openStreams.decrementAndGet();
                }
            });
        });
    }

    @POST
    @Path("transfers")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Request a transfer: {\"transferId\"?, \"fromAccount\", \"toAccount\", \"amount\"}; "
            + "the saga moves the money, see GET transfers/{id}")
    public Response transfer(InputStream body) {
        JsonObject o = body(body, "The transfer", Set.of("transferId", "fromAccount", "toAccount", "amount"));
        String id = id(o, "transferId");
        String from = JsonBodies.optionalString(o, "fromAccount", "transfer");
        String to = JsonBodies.optionalString(o, "toAccount", "transfer");
        long amount = amount(o, "transfer");
        try {
            send(new RequestTransfer(id, from, to, amount));
        } catch (ConcurrencyConflictException exists) {
            throw new ApiException(ProblemType.CONCURRENCY_CONFLICT, "transfer " + id + " already exists");
        }
        return Response.accepted(new TransferAccepted(id, "REQUESTED"))
                .location(URI.create("bank/transfers/" + id)).build();
    }

    @GET
    @Path("transfers/{id}")
    @Operation(summary = "A transfer's status (REQUESTED, COMPLETED, FAILED with its reason), from the read model")
    public TransferView transfer(@PathParam("id") String id) {
        TransferView t = query(new FindTransfer(pathId(id)), TransferView.class);
        if (t == null) {
            throw new ApiException(ProblemType.UNKNOWN_AGGREGATE, "no transfer " + id
                    + " (a new one shows here a moment after it was requested)");
        }
        return t;
    }

    private DomainRuntime runtime() {
        return holder.runtime();
    }

    /** Sends a command; the domain's refusals become problem documents (nothing was appended in any of them). */
    private <R> R send(Object command) {
        try {
            return runtime().commandGateway().send(command);
        } catch (CommandValidationException e) {
            throw new ApiException(ProblemType.INVALID_REQUEST, e.getMessage());
        } catch (AggregateNotFoundException e) {
            throw new ApiException(ProblemType.UNKNOWN_AGGREGATE, e.getMessage());
        } catch (InsufficientFunds e) {
            throw new ApiException(ProblemType.COMMAND_REJECTED, e.getMessage(),
                    Map.of("available", e.available(), "requested", e.requested()));
        } catch (IllegalStateException e) {
            // The example's aggregates refuse state changes that their state forbids (a closed account) this way.
            throw new ApiException(ProblemType.COMMAND_REJECTED, e.getMessage());
        }
    }

    private <R> R query(Object query, Class<R> type) {
        return runtime().queryGateway().query(query, type).join();
    }

    private static JsonObject body(InputStream in, String what, Set<String> fields) {
        JsonObject o = JsonBodies.object(JsonBodies.parse(RequestSizeLimit.read(in, MAX_BODY)), what);
        JsonBodies.onlyKnownFields(o, fields, what);
        return o;
    }

    /** The id in {@code field}, or a new random one when absent. */
    private static String id(JsonObject o, String field) {
        String id = JsonBodies.optionalString(o, field, field.replace("Id", ""));
        if (id == null) {
            return UUID.randomUUID().toString();
        }
        if (!ID.matcher(id).matches()) {
            throw JsonBodies.invalid(field + " must be 1 to 64 characters of [A-Za-z0-9._-], not '" + id + "'");
        }
        return id;
    }

    private static String pathId(String id) {
        if (!ID.matcher(id).matches()) {
            throw JsonBodies.invalid("an id must be 1 to 64 characters of [A-Za-z0-9._-], not '" + id + "'");
        }
        return id;
    }

    private static long amount(JsonObject o, String where) {
        Long amount = optionalLong(o, "amount", where);
        if (amount == null) {
            throw JsonBodies.invalid(where + ".amount is required (whole minor units, e.g. cents)");
        }
        return amount;
    }

    private static Long optionalLong(JsonObject o, String field, String where) {
        JsonValue v = o.get(field);
        if (v == null || v.getValueType() == JsonValue.ValueType.NULL) {
            return null;
        }
        if (v.getValueType() != JsonValue.ValueType.NUMBER || !((JsonNumber) v).isIntegral()) {
            throw JsonBodies.invalid(where + "." + field + " must be a whole number of minor units, not " + v);
        }
        try {
            return ((JsonNumber) v).longValueExact();
        } catch (ArithmeticException e) {
            throw JsonBodies.invalid(where + "." + field + " is out of range: " + v);
        }
    }
}
