package io.cairn.sdk.example.bank;

import io.cairn.sdk.test.AggregateTestFixture;
import org.junit.jupiter.api.Test;

/** A saga may repeat a transfer step after a restart: the account applies each step of a transfer once. */
class TransferStepsTest {
    private final AggregateTestFixture<BankAccount> fixture = new AggregateTestFixture<>(BankAccount.class);
    private final AccountOpened opened = new AccountOpened("acc-1", "Ada", 0);

    @Test
    void aRepeatedTransferWithdrawalAppendsNothing() {
        fixture.given(opened, new MoneyDeposited("acc-1", 100, null), new MoneyWithdrawn("acc-1", 30, "t-1"))
                .when(new Withdraw("acc-1", 30, "t-1"))
                .expectNoEvents()
                .expectResult(70L);
    }

    @Test
    void aRepeatedTransferDepositAppendsNothingButAnotherTransferGoesIn() {
        fixture.given(opened, new MoneyDeposited("acc-1", 50, "t-1"))
                .when(new Deposit("acc-1", 50, "t-1"))
                .expectNoEvents();
        fixture.given(opened, new MoneyDeposited("acc-1", 50, "t-1"))
                .when(new Deposit("acc-1", 50, "t-2"))
                .expectEvents(new MoneyDeposited("acc-1", 50, "t-2"));
    }

    @Test
    void plainDepositsAndWithdrawalsAreNeverDeduplicated() {
        fixture.given(opened, new MoneyDeposited("acc-1", 10, null))
                .when(new Deposit("acc-1", 10))
                .expectEvents(new MoneyDeposited("acc-1", 10, null));
    }
}
